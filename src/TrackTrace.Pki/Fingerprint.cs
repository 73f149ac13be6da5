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

    /// <summary>
    /// SHA-256 of the certificate's SubjectPublicKeyInfo, lowercase hex: the key's identity, which
    /// stays the same across certificates for the same key (a renewal that reuses the key has the
    /// same value). Equal to <c>openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum</c>.
    /// </summary>
    public static string PublicKeySha256Hex(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return PublicKeySha256Hex(certificate.PublicKey);
    }

    /// <summary>
    /// The same for a bare public key (e.g. a CSR's). ECDSA and RSA keys are re-encoded first, so
    /// one key has one fingerprint however it was encoded where it came from.
    /// </summary>
    public static string PublicKeySha256Hex(PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return Convert.ToHexStringLower(SHA256.HashData(CanonicalSubjectPublicKeyInfo(publicKey)));
    }

    private static byte[] CanonicalSubjectPublicKeyInfo(PublicKey publicKey)
    {
        try
        {
            using AsymmetricAlgorithm? key = publicKey.Oid.Value switch
            {
                Oids.EcPublicKey => publicKey.GetECDsaPublicKey(),
                Oids.Rsa => publicKey.GetRSAPublicKey(),
                _ => null,
            };
            if (key is not null)
            {
                return key.ExportSubjectPublicKeyInfo();
            }
        }
        catch (CryptographicException)
        {
            // A key this platform cannot import is still a key: fall back to its bytes as given.
        }

        return publicKey.ExportSubjectPublicKeyInfo();
    }
}
