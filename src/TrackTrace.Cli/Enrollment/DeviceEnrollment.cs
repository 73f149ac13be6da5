using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Enrollment;

/// <summary>What <c>device enroll</c> and <c>device renew</c> wrote: the files and what they hold.</summary>
public sealed record DeviceFiles(
    string CertificatePath, string KeyPath, string ChainPath, string Sha256, string PublicKeySha256, string KeyAlgorithm,
    string Issuer, DateTimeOffset NotAfter);

/// <summary>
/// The reference scanner client: the key is made here, on the device, and never sent anywhere; the
/// server is verified against the operator's root (<see cref="TrustedChannel"/>), and what it issues
/// must chain to that root before a file is written. Files: <c>ID.key</c> (mode 600), <c>ID.crt</c>,
/// and <c>ID-chain.pem</c> (the certificate, then its issuing CA: what curl's --cert sends).
/// </summary>
public static class DeviceEnrollment
{
    /// <summary>Enrolls <paramref name="deviceId"/> over EST with its one-time token.</summary>
    public static async Task<DeviceFiles> EnrollAsync(
        Uri server, string rootPath, string deviceId, string token, string outputDirectory, bool rsa, bool overwrite,
        CancellationToken ct)
    {
        var files = Paths(outputDirectory, deviceId);
        if (!overwrite && File.Exists(files.Key))
        {
            // Before the token is spent: a second enrollment would replace a key that may be in use.
            throw new PkiException($"'{files.Key}' already exists; this device is enrolled already (use --force to make a new key)");
        }

        using var root = PemFiles.ReadCertificate(rootPath);
        using var http = new HttpClient(TrustedChannel.CreateHandler(root, null)) { BaseAddress = server };
        var est = new EstClient(http);
        var published = await est.CaCertificatesAsync(ct);
        using var key = DeviceKeys.Create(rsa ? KeyAlgorithm.Rsa3072 : KeyAlgorithm.EcdsaP256);
        var issued = await est.SimpleEnrollAsync(deviceId, token, DeviceKeys.SigningRequest(key, deviceId), pemChain: false, ct);
        return Install(issued, [.. published, .. issued.Chain], key, deviceId, root, files);
    }

    /// <summary>Whether a certificate should be renewed now: less than a third of its lifetime is left.</summary>
    public static bool IsDue(X509Certificate2 certificate, DateTimeOffset now)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return notAfter - now < (notAfter - notBefore) / 3;
    }

    /// <summary>When <see cref="IsDue"/> becomes true.</summary>
    public static DateTimeOffset DueAt(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return notAfter - (notAfter - notBefore) / 3;
    }

    /// <summary>
    /// Renews over the mutual-TLS API with the current certificate and key: a new key of the same
    /// kind, a request for it, and the files replaced one by one, each atomically (temporary file, then rename).
    /// </summary>
    public static async Task<DeviceFiles> RenewAsync(
        Uri server, string rootPath, X509Certificate2 current, string outputDirectory, CancellationToken ct)
    {
        var deviceId = current.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        using var root = PemFiles.ReadCertificate(rootPath);
        using var http = new HttpClient(TrustedChannel.CreateHandler(root, current)) { BaseAddress = server };
        using var currentKey = (AsymmetricAlgorithm?)current.GetECDsaPrivateKey() ?? current.GetRSAPrivateKey()
            ?? throw new PkiException("the current certificate's key is neither ECDSA nor RSA");
        using var key = DeviceKeys.CreateLike(currentKey);
        var issued = await new EstClient(http).SimpleReenrollAsync(DeviceKeys.SigningRequest(key, deviceId), pemChain: true, ct);
        return Install(issued, issued.Chain, key, deviceId, root, Paths(outputDirectory, deviceId));
    }

    private static DeviceFiles Install(
        EstIssued issued, IEnumerable<X509Certificate2> intermediates, AsymmetricAlgorithm key, string deviceId, X509Certificate2 root,
        (string Certificate, string Key, string Chain) files)
    {
        var through = EstClient.VerifyIssued(issued.Certificate, deviceId, root, intermediates);
        using var withKey = DeviceKeys.Attach(issued.Certificate, key);
        PemFiles.WritePrivateKey(files.Key, key, overwrite: true);
        PemFiles.WriteCertificate(files.Certificate, issued.Certificate);
        PemFiles.WriteCertificateChain(files.Chain, [issued.Certificate, .. through]);
        return new DeviceFiles(files.Certificate, files.Key, files.Chain, Fingerprint.Sha256Hex(issued.Certificate),
            Fingerprint.PublicKeySha256Hex(issued.Certificate), KeyName(key), issued.Certificate.Issuer,
            new DateTimeOffset(issued.Certificate.NotAfter.ToUniversalTime()));
    }

    private static (string Certificate, string Key, string Chain) Paths(string directory, string deviceId)
    {
        var full = Path.GetFullPath(directory);
        return (Path.Combine(full, deviceId + ".crt"), Path.Combine(full, deviceId + ".key"), Path.Combine(full, deviceId + "-chain.pem"));
    }

    private static string KeyName(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => $"ECDSA P-{ecdsa.KeySize}",
        RSA rsa => $"RSA {rsa.KeySize}",
        _ => key.GetType().Name,
    };
}
