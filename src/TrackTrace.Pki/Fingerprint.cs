using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

public static class Fingerprint
{
    /// <summary>
    /// SHA-256 of the certificate's DER encoding, lowercase hex without separators: the same value
    /// as <c>openssl x509 -noout -fingerprint -sha256</c> without the colons.
    /// </summary>
    public static string Sha256Hex(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawDataMemory.Span));
    }
}
