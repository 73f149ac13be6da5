using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

/// <summary>
/// What a device does on its own: make a key pair that never leaves it and a PKCS#10 request that
/// proves it holds the private key. The request names the device only as a courtesy: the CA takes
/// nothing from it but the key.
/// </summary>
public static class DeviceKeys
{
    /// <summary>A new key: ECDSA P-256 (the default) or RSA 3072.</summary>
    public static AsymmetricAlgorithm Create(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyAlgorithm.Rsa3072 => RSA.Create(3072),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };

    /// <summary>A new key of the same kind as <paramref name="current"/> (same curve, or same RSA size): what a renewal makes.</summary>
    public static AsymmetricAlgorithm CreateLike(AsymmetricAlgorithm current) => current switch
    {
        ECDsa ecdsa => ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false).Curve),
        RSA rsa => RSA.Create(Math.Max(rsa.KeySize, DeviceKeyPolicy.MinimumRsaBits)),
        _ => throw new ArgumentException($"unsupported key type {current.GetType().Name}", nameof(current)),
    };

    /// <summary>The DER PKCS#10 request for <paramref name="key"/>, signed with it (SHA-256), subject CN = <paramref name="commonName"/>.</summary>
    public static byte[] SigningRequest(AsymmetricAlgorithm key, string commonName)
    {
        ArgumentNullException.ThrowIfNull(key);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = key switch
        {
            ECDsa ecdsa => new CertificateRequest(subject.Build(), ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"unsupported key type {key.GetType().Name}", nameof(key)),
        };
        return request.CreateSigningRequest();
    }

    /// <summary>The certificate with <paramref name="key"/> attached, refused when the certificate is not for that key.</summary>
    public static X509Certificate2 Attach(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        try
        {
            return key switch
            {
                ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                RSA rsa => certificate.CopyWithPrivateKey(rsa),
                _ => throw new ArgumentException($"unsupported key type {key.GetType().Name}", nameof(key)),
            };
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new PkiException($"the certificate '{certificate.Subject}' is not for the key this device made: {e.Message}", e);
        }
    }
}
