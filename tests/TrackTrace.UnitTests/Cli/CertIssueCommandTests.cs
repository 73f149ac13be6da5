using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Domain.Devices;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

public sealed class CertIssueCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string CaDirectory => _temp.Combine("ca");

    private string DevicesDirectory => _temp.Combine("devices");

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task Openssl_verifies_the_device_certificate_against_the_CA(bool rsaCa, bool rsaDevice)
    {
        await Cli.RunOkAsync(["ca", "init", "--out", CaDirectory, .. rsaCa ? ["--rsa"] : Array.Empty<string>()]);

        var issued = await Cli.RunOkAsync(
            ["cert", "issue", "--ca", CaDirectory, "--device", "scanner-17", "--out", DevicesDirectory, .. rsaDevice ? ["--rsa"] : Array.Empty<string>()]);

        var certificatePath = Path.Combine(DevicesDirectory, "scanner-17.crt");
        Assert.Equal(certificatePath, issued.Report["certificate"]);
        var verified = await ExternalProcess.OpenSslOkAsync(
            "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", Path.Combine(CaDirectory, "ca.crt"), certificatePath);
        Assert.Equal($"{certificatePath}: OK", verified.StandardOutput.Trim());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Device_certificate_names_the_device_and_serves_client_authentication_only(bool rsa)
    {
        await Cli.RunOkAsync("ca", "init", "--out", CaDirectory);

        var result = await Cli.RunOkAsync(
            ["cert", "issue", "--ca", CaDirectory, "--device", "dock.door_4-B", "--out", DevicesDirectory, "--days", "30", .. rsa ? ["--rsa"] : Array.Empty<string>()]);

        Assert.Equal(Path.Combine(DevicesDirectory, "dock.door_4-B.key"), result.Report["key"]);
        CaInitCommandTests.AssertOwnerOnly(result.Report["key"]);
        using var ca = PemFiles.ReadCertificate(Path.Combine(CaDirectory, "ca.crt"));
        using var device = PemFiles.ReadCertificateWithKey(result.Report["certificate"], result.Report["key"]);
        Assert.Equal(Fingerprint.Sha256Hex(device), result.Report["sha256"]);

        Assert.Equal("CN=dock.door_4-B", device.Subject);
        Assert.Equal(ca.Subject, device.Issuer);
        Assert.Equal([KeyPurposes.ClientAuth], Certificates.ExtendedKeyUsages(device));
        var constraints = Certificates.Single<X509BasicConstraintsExtension>(device);
        Assert.False(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = Certificates.Single<X509KeyUsageExtension>(device);
        Assert.True(usage.Critical);
        Assert.Equal(
            rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature,
            usage.KeyUsages);
        Assert.Equal(rsa, device.GetRSAPublicKey() is not null);
        Assert.Empty(device.Extensions.OfType<X509SubjectAlternativeNameExtension>());

        var authorityKey = Certificates.Single<X509AuthorityKeyIdentifierExtension>(device);
        Assert.Equal(
            Certificates.Single<X509SubjectKeyIdentifierExtension>(ca).SubjectKeyIdentifierBytes.ToArray(),
            authorityKey.KeyIdentifier!.Value.ToArray());

        var serial = device.SerialNumberBytes.ToArray();
        Assert.Equal(16, serial.Length);
        Assert.True(new BigInteger(serial, isUnsigned: false, isBigEndian: true) > 0);

        Assert.InRange(device.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(30).AddMinutes(-10), DateTime.UtcNow.AddDays(30).AddMinutes(1));
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, ca));
    }

    [Fact]
    public async Task Default_validity_is_397_days_and_serials_differ()
    {
        await Cli.RunOkAsync("ca", "init", "--out", CaDirectory);

        var first = await Cli.RunOkAsync("cert", "issue", "--ca", CaDirectory, "--device", "a", "--out", DevicesDirectory);
        var second = await Cli.RunOkAsync("cert", "issue", "--ca", CaDirectory, "--device", "b", "--out", DevicesDirectory);

        using var a = PemFiles.ReadCertificate(first.Report["certificate"]);
        using var b = PemFiles.ReadCertificate(second.Report["certificate"]);
        Assert.InRange(a.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(397).AddMinutes(-10), DateTime.UtcNow.AddDays(397).AddMinutes(1));
        Assert.NotEqual(a.SerialNumber, b.SerialNumber);
        Assert.Equal(["a.crt", "a.key", "b.crt", "b.key"], CaInitCommandTests.FileNames(DevicesDirectory));
    }

    [Theory]
    [InlineData("-leading-dash")]
    [InlineData(".hidden")]
    [InlineData("../escape")]
    [InlineData("with/slash")]
    [InlineData("with space")]
    [InlineData("trailing-newline\n")]
    [InlineData("ümlaut")]
    [InlineData("")]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901234")] // 65 characters
    public async Task Bad_device_id_is_a_usage_error_with_a_clear_message(string deviceId)
    {
        await Cli.RunOkAsync("ca", "init", "--out", CaDirectory);

        var result = await Cli.RunAsync("cert", "issue", "--ca", CaDirectory, "--device", deviceId, "--out", DevicesDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"invalid device id '{deviceId}'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(DeviceId.Pattern, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
        Assert.False(Directory.Exists(DevicesDirectory));
    }

    [Fact]
    public async Task Missing_CA_directory_is_a_failure_that_says_how_to_make_one()
    {
        var result = await Cli.RunAsync("cert", "issue", "--ca", CaDirectory, "--device", "d1", "--out", DevicesDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(CaDirectory, result.StandardError, StringComparison.Ordinal);
        Assert.Contains("tracktrace ca init", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CA_key_that_does_not_belong_to_the_CA_certificate_is_refused()
    {
        await Cli.RunOkAsync("ca", "init", "--out", CaDirectory);
        await Cli.RunOkAsync("ca", "init", "--out", _temp.Combine("other"));
        File.Copy(_temp.Combine("other", "ca.key"), Path.Combine(CaDirectory, "ca.key"), overwrite: true);

        var result = await Cli.RunAsync("cert", "issue", "--ca", CaDirectory, "--device", "d1", "--out", DevicesDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not belong to", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DevicesDirectory));
    }

    [Fact]
    public async Task Missing_device_is_a_usage_error()
    {
        var result = await Cli.RunAsync("cert", "issue", "--ca", CaDirectory, "--out", DevicesDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--device", result.StandardError, StringComparison.Ordinal);
    }
}
