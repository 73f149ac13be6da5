namespace TrackTrace.Pki;

/// <summary>Why a certificate signing request was refused; a service maps each to its own problem type.</summary>
public enum CertificateRequestRefusal
{
    /// <summary>Not a PKCS#10 request in DER, base64 DER or PEM, or its structure is broken.</summary>
    Unreadable,

    /// <summary>Larger than <see cref="CertificateSigningRequest.MaxEncodedLength"/>.</summary>
    TooLarge,

    /// <summary>Signed with an algorithm other than RSA PKCS#1 v1.5 or ECDSA with SHA-256/384/512.</summary>
    SignatureAlgorithmNotAccepted,

    /// <summary>The signature does not verify with the request's own public key: no proof of possession.</summary>
    SignatureInvalid,

    /// <summary>The key is weaker than ECDSA P-256 or RSA 2048, or of an algorithm not accepted (see <see cref="DeviceKeyPolicy"/>).</summary>
    KeyNotAccepted,
}

/// <summary>A certificate signing request that will not be signed; the message says why and what is accepted.</summary>
public sealed class CertificateRequestRefusedException : PkiException
{
    public CertificateRequestRefusedException(CertificateRequestRefusal reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public CertificateRequestRefusal Reason { get; }
}
