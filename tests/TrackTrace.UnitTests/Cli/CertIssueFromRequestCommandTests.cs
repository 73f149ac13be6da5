using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;
using TrackTrace.UnitTests.Pki;

namespace TrackTrace.UnitTests.Cli;

/// <summary>
/// <c>tracktrace cert issue --csr</c>: an operator certifies the key an air-gapped device made,
/// and no private key ever passes through the operator's machine.
/// </summary>
public sealed class CertIssueFromRequestCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string RootDirectory => _temp.Combine("root");

    private string IssuingDirectory => _temp.Combine("issuing");

    private string DeviceDirectory => _temp.Combine("device");

    private string OutDirectory => _temp.Combine("out");

    [Fact]
    public async Task An_openssl_P256_request_becomes_a_certificate_for_the_device_key_and_no_key_is_written()
    {
        await MakeIssuingCaAsync();
        Directory.CreateDirectory(DeviceDirectory);
        await ExternalProcess.OpenSslOkAsync(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", Path.Combine(DeviceDirectory, "device.key"), "-subj", "/CN=admin", "-out", Path.Combine(DeviceDirectory, "device.csr"));

        var result = await Cli.RunOkAsync(
            "cert", "issue", "--csr", Path.Combine(DeviceDirectory, "device.csr"), "--ca", IssuingDirectory, "--device", "scanner-17", "--out", OutDirectory);

        var certificatePath = Path.Combine(OutDirectory, "scanner-17.crt");
        Assert.Equal(certificatePath, result.Report["certificate"]);
        Assert.False(result.Report.ContainsKey("key"));
        Assert.Equal(["scanner-17.crt"], CaInitCommandTests.FileNames(OutDirectory));
        Assert.Equal("ECDSA P-256", result.Report["key-algorithm"]);
        Assert.Equal("CN=TrackTrace Issuing CA", result.Report["issuer"]);
        await ExternalProcess.OpenSslOkAsync(
            "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", Path.Combine(RootDirectory, "ca.crt"),
            "-untrusted", Path.Combine(IssuingDirectory, "issuing.crt"), certificatePath);
        using var device = PemFiles.ReadCertificateWithKey(certificatePath, Path.Combine(DeviceDirectory, "device.key"));
        Assert.Equal("CN=scanner-17", device.Subject);
        Assert.Equal([KeyPurposes.ClientAuth], Certificates.ExtendedKeyUsages(device));
        Assert.Equal(Fingerprint.Sha256Hex(device), result.Report["sha256"]);
        Assert.Equal(Fingerprint.PublicKeySha256Hex(device), result.Report["public-key-sha256"]);
        Assert.InRange(device.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(30).AddMinutes(-10), DateTime.UtcNow.AddDays(30).AddMinutes(1));
    }

    [Fact]
    public async Task A_DER_request_signed_by_the_root_folder_lives_as_many_days_as_asked()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);
        using var key = RSA.Create(2048);
        var requestPath = _temp.Combine("device.der");
        await File.WriteAllBytesAsync(requestPath, Csrs.Bcl(key));

        var result = await Cli.RunOkAsync(
            "cert", "issue", "--csr", requestPath, "--ca", RootDirectory, "--device", "sensor-3", "--out", OutDirectory, "--days", "7");

        using var device = PemFiles.ReadCertificate(result.Report["certificate"]);
        Assert.Equal("CN=TrackTrace Dev CA", device.Issuer);
        Assert.Equal("RSA 2048", result.Report["key-algorithm"]);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, Certificates.Single<X509KeyUsageExtension>(device).KeyUsages);
        Assert.InRange(device.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(7).AddMinutes(-10), DateTime.UtcNow.AddDays(7).AddMinutes(1));
    }

    [Fact]
    public async Task An_RSA_1024_request_is_refused_naming_what_is_accepted_and_nothing_is_written()
    {
        await MakeIssuingCaAsync();
        var pem = await Csrs.OpenSslAsync(_temp.Path, "weak", "-newkey", "rsa:1024");
        var requestPath = _temp.Combine("weak.csr");
        Assert.True(File.Exists(requestPath), pem);

        var result = await Cli.RunAsync("cert", "issue", "--csr", requestPath, "--ca", IssuingDirectory, "--device", "d1", "--out", OutDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("RSA key of 1024 bits", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(DeviceKeyPolicy.Accepted, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
        Assert.False(Directory.Exists(OutDirectory));
    }

    [Fact]
    public async Task A_request_with_a_broken_signature_or_a_missing_file_is_refused()
    {
        await MakeIssuingCaAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = Csrs.Bcl(key);
        der[^3] ^= 0x01;
        var requestPath = _temp.Combine("broken.der");
        await File.WriteAllBytesAsync(requestPath, der);

        var broken = await Cli.RunAsync("cert", "issue", "--csr", requestPath, "--ca", IssuingDirectory, "--device", "d1", "--out", OutDirectory);
        var missing = await Cli.RunAsync("cert", "issue", "--csr", _temp.Combine("nope.csr"), "--ca", IssuingDirectory, "--device", "d1", "--out", OutDirectory);

        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("signature does not verify", broken.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.csr", missing.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(OutDirectory));
    }

    [Fact]
    public async Task Rsa_with_a_request_is_a_usage_error()
    {
        var result = await Cli.RunAsync("cert", "issue", "--csr", "x.csr", "--rsa", "--ca", IssuingDirectory, "--device", "d1", "--out", OutDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--rsa", result.StandardError, StringComparison.Ordinal);
    }

    private async Task MakeIssuingCaAsync()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);
        await Cli.RunOkAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);
    }
}
