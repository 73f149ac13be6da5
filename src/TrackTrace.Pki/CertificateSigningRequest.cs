using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TrackTrace.Pki;

/// <summary>
/// A PKCS#10 certificate signing request (RFC 2986) that has been read and checked: its key is
/// one <see cref="DeviceKeyPolicy"/> accepts, it is signed with an accepted algorithm, and the
/// signature verifies with its own key (proof that the sender holds the private key). Only the
/// public key is used to issue a certificate; the requested subject and extensions are not.
/// </summary>
public sealed class CertificateSigningRequest
{
    /// <summary>Upper bound of a request in any of its encodings; real ones are a few kilobytes.</summary>
    public const int MaxEncodedLength = 32 * 1024;

    /// <summary>The signature algorithms accepted, for messages.</summary>
    public const string AcceptedSignatures = "ECDSA or RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512";

    private static readonly Dictionary<string, (string Name, bool Rsa)> SignatureAlgorithms = new()
    {
        [Oids.EcdsaWithSha256] = ("ecdsa-with-SHA256", false),
        [Oids.EcdsaWithSha384] = ("ecdsa-with-SHA384", false),
        [Oids.EcdsaWithSha512] = ("ecdsa-with-SHA512", false),
        [Oids.Sha256WithRsa] = ("sha256WithRSAEncryption", true),
        [Oids.Sha384WithRsa] = ("sha384WithRSAEncryption", true),
        [Oids.Sha512WithRsa] = ("sha512WithRSAEncryption", true),
    };

    private readonly AcceptedKey _key;

    private CertificateSigningRequest(AcceptedKey key, X500DistinguishedName requestedSubject, string signatureAlgorithm)
    {
        _key = key;
        RequestedSubject = requestedSubject;
        SignatureAlgorithm = signatureAlgorithm;
    }

    /// <summary>The requester's public key, encoded canonically (what the issued certificate carries).</summary>
    public PublicKey PublicKey => _key.PublicKey;

    /// <summary>The key's DER SubjectPublicKeyInfo, canonical.</summary>
    public ReadOnlyMemory<byte> SubjectPublicKeyInfo => _key.SubjectPublicKeyInfo;

    /// <summary>SHA-256 of <see cref="SubjectPublicKeyInfo"/>, lowercase hex: compare with <see cref="Fingerprint.PublicKeySha256Hex(X509Certificate2)"/> of the current certificate to refuse a renewal that reuses the key.</summary>
    public string PublicKeyFingerprint => _key.PublicKeyFingerprint;

    /// <summary>"ECDSA P-256", "RSA 3072", ...</summary>
    public string KeyDescription => _key.Description;

    public bool IsRsa => _key.IsRsa;

    /// <summary>The subject the requester asked for: for logs only, it never reaches a certificate.</summary>
    public X500DistinguishedName RequestedSubject { get; }

    /// <summary>The name of the algorithm the request was signed with (e.g. "ecdsa-with-SHA256").</summary>
    public string SignatureAlgorithm { get; }

    /// <summary>Reads a request from a file holding it as PEM, DER or base64 DER.</summary>
    public static CertificateSigningRequest ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > MaxEncodedLength)
            {
                throw TooLarge(length);
            }

            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PkiException($"certificate request file '{path}' does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PkiException($"cannot read certificate request file '{path}': {e.Message}", e);
        }

        return Decode(data);
    }

    /// <summary>A request as text: PEM ("CERTIFICATE REQUEST") or base64 DER.</summary>
    public static CertificateSigningRequest Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxEncodedLength)
        {
            throw TooLarge(text.Length);
        }

        return Decode(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// A request as bytes: DER, base64 DER (the body of an EST <c>application/pkcs10</c> request,
    /// line breaks allowed), or PEM. Checks the structure, the key, the signature algorithm and
    /// the signature, in that order.
    /// </summary>
    /// <exception cref="CertificateRequestRefusedException">saying why, and what is accepted.</exception>
    public static CertificateSigningRequest Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxEncodedLength)
        {
            throw TooLarge(data.Length);
        }

        var der = BinaryOrText.Decode(data, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"], why => Unreadable(why));
        var (subject, subjectPublicKeyInfo, signatureOid) = ReadStructure(der);

        var key = DeviceKeyPolicy.Check(subjectPublicKeyInfo);
        if (!SignatureAlgorithms.TryGetValue(signatureOid, out var signature))
        {
            throw new CertificateRequestRefusedException(CertificateRequestRefusal.SignatureAlgorithmNotAccepted,
                $"the request is signed with {Name(signatureOid)}; accepted are {AcceptedSignatures}");
        }

        if (signature.Rsa != key.IsRsa)
        {
            throw new CertificateRequestRefusedException(CertificateRequestRefusal.SignatureInvalid,
                $"the request holds an {key.Description} key but claims a {signature.Name} signature");
        }

        try
        {
            // The default options verify the signature; only SkipSignatureValidation would not.
            CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException e)
        {
            throw new CertificateRequestRefusedException(CertificateRequestRefusal.SignatureInvalid,
                "the request's signature does not verify with the public key it carries (no proof that the sender holds the private key)", e);
        }

        return new CertificateSigningRequest(key, subject, signature.Name);
    }

    private static (X500DistinguishedName Subject, byte[] SubjectPublicKeyInfo, string SignatureOid) ReadStructure(byte[] der)
    {
        try
        {
            // CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var request = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var info = request.ReadSequence();
            var signatureAlgorithm = request.ReadSequence();
            var signatureOid = signatureAlgorithm.ReadObjectIdentifier();
            request.ReadBitString(out _);
            request.ThrowIfNotEmpty();

            // CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) }, subject Name, subjectPKInfo, attributes [0] }
            if (!info.TryReadInt32(out var version) || version != 0)
            {
                throw Unreadable("its version is not v1 (0)");
            }

            var subject = new X500DistinguishedName(info.ReadEncodedValue().Span);
            var subjectPublicKeyInfo = info.ReadEncodedValue().ToArray();
            return (subject, subjectPublicKeyInfo, signatureOid);
        }
        catch (AsnContentException e)
        {
            throw Unreadable($"it is not a DER PKCS#10 request ({e.Message})", e);
        }
        catch (CryptographicException e)
        {
            throw Unreadable($"its subject is not a valid name ({e.Message})", e);
        }
    }

    private static string Name(string oid)
    {
        var friendly = new Oid(oid).FriendlyName;
        return string.IsNullOrEmpty(friendly) ? oid : $"{friendly} ({oid})";
    }

    private static CertificateRequestRefusedException Unreadable(string why, Exception? inner = null) =>
        new(CertificateRequestRefusal.Unreadable, $"the certificate request cannot be read: {why}", inner);

    private static CertificateRequestRefusedException TooLarge(long length) =>
        new(CertificateRequestRefusal.TooLarge, $"the certificate request is {length} bytes long; at most {MaxEncodedLength} are accepted");
}
