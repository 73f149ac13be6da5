using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

/// <summary>
/// Operators may issue device certificates with openssl from our CA, or bring a CA openssl made:
/// both must work with what the service does (X509Chain with CustomRootTrust on ca.crt).
/// </summary>
public sealed class OpenSslInteropTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Client_certificate_made_by_openssl_with_our_CA_key_validates_with_custom_root_trust(bool rsaCa)
    {
        var caDirectory = _temp.Combine("ca");
        await Cli.RunOkAsync(["ca", "init", "--out", caDirectory, .. rsaCa ? ["--rsa"] : Array.Empty<string>()]);
        var caCertificate = Path.Combine(caDirectory, "ca.crt");
        var extensions = _temp.Combine("client.ext");
        await File.WriteAllTextAsync(extensions, """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = clientAuth
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """);
        var key = _temp.Combine("openssl-device.key");
        var request = _temp.Combine("openssl-device.csr");
        var certificatePath = _temp.Combine("openssl-device.crt");

        await ExternalProcess.OpenSslOkAsync(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-subj", "/CN=openssl-device", "-out", request);
        await ExternalProcess.OpenSslOkAsync(
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", Path.Combine(caDirectory, "ca.key"),
            "-set_serial", "0x" + Convert.ToHexString(RandomNumberGenerator.GetBytes(15)), "-days", "30", "-sha256",
            "-extfile", extensions, "-out", certificatePath);

        using var ca = PemFiles.ReadCertificate(caCertificate);
        using var device = PemFiles.ReadCertificateWithKey(certificatePath, key);
        Assert.Equal("CN=openssl-device", device.Subject);
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, ca));
    }

    [Theory]
    [InlineData("EC PRIVATE KEY", new[] { "ecparam", "-name", "prime256v1", "-genkey" })]
    [InlineData("RSA PRIVATE KEY", new[] { "genrsa", "-traditional", "2048" })]
    [InlineData("PRIVATE KEY", new[] { "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384" })]
    public async Task CA_made_by_openssl_issues_certificates_openssl_and_dotnet_accept(string keyLabel, string[] generateKey)
    {
        var caDirectory = _temp.Combine("openssl-ca");
        Directory.CreateDirectory(caDirectory);
        var caKey = Path.Combine(caDirectory, "ca.key");
        var caCertificate = Path.Combine(caDirectory, "ca.crt");
        await ExternalProcess.OpenSslOkAsync([generateKey[0], "-out", caKey, .. generateKey[1..]]);
        Assert.Contains($"-----BEGIN {keyLabel}-----", await File.ReadAllTextAsync(caKey), StringComparison.Ordinal);
        await ExternalProcess.OpenSslOkAsync(
            "req", "-x509", "-new", "-key", caKey, "-subj", "/CN=Operator CA", "-days", "30",
            "-addext", "keyUsage = critical, keyCertSign, cRLSign", "-out", caCertificate);

        await Cli.RunOkAsync("cert", "issue", "--ca", caDirectory, "--device", "pallet-scanner", "--out", _temp.Path);

        var certificatePath = _temp.Combine("pallet-scanner.crt");
        await ExternalProcess.OpenSslOkAsync("verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", caCertificate, certificatePath);
        using var ca = PemFiles.ReadCertificate(caCertificate);
        using var device = PemFiles.ReadCertificate(certificatePath);
        Assert.Equal("CN=Operator CA", device.Issuer);
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, ca));
    }

    [Fact]
    public async Task Printed_fingerprint_is_the_one_openssl_computes()
    {
        var result = await Cli.RunOkAsync("ca", "init", "--out", _temp.Path);

        var openssl = await ExternalProcess.OpenSslOkAsync("x509", "-in", result.Report["certificate"], "-noout", "-fingerprint", "-sha256");

        Assert.Matches("^[0-9a-f]{64}$", result.Report["sha256"]);
        Assert.Equal(Certificates.OpenSslFingerprint(openssl.StandardOutput), result.Report["sha256"]);
    }
}
