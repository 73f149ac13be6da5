namespace TrackTrace.Pki;

/// <summary>The media types of EST (RFC 7030) and its PEM variant, for servers and clients alike.</summary>
public static class EstMediaTypes
{
    /// <summary>A base64 DER PKCS#10 request: the body of <c>simpleenroll</c> and <c>simplereenroll</c>.</summary>
    public const string Pkcs10 = "application/pkcs10";

    /// <summary>The media type of a base64 PKCS#7 certs-only answer (<see cref="Pkcs7CertsOnly"/>), without parameters.</summary>
    public const string Pkcs7Mime = "application/pkcs7-mime";

    /// <summary>The full Content-Type of a certs-only answer.</summary>
    public const string Pkcs7CertsOnly = "application/pkcs7-mime; smime-type=certs-only";

    /// <summary>PEM certificates, leaf first (<see cref="PemCertificateChain"/>), for clients that ask for it with Accept.</summary>
    public const string PemCertificateChain = "application/pem-certificate-chain";
}
