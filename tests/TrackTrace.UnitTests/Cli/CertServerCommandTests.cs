using System.Net;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

public sealed class CertServerCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string CaDirectory => _temp.Combine("ca");

    private string ServerDirectory => _temp.Combine("server");

    [Fact]
    public async Task Server_certificate_carries_the_SANs_and_serves_server_authentication_only()
    {
        await Cli.RunOkAsync("ca", "init", "--out", CaDirectory);

        var result = await Cli.RunOkAsync(
            "cert", "server", "--ca", CaDirectory, "--dns", "localhost", "--dns", "tracktrace.test",
            "--ip", "127.0.0.1", "--ip", "::1", "--out", ServerDirectory);

        var certificatePath = Path.Combine(ServerDirectory, "server.crt");
        Assert.Equal(certificatePath, result.Report["certificate"]);
        Assert.Equal(Path.Combine(ServerDirectory, "server.key"), result.Report["key"]);
        CaInitCommandTests.AssertOwnerOnly(result.Report["key"]);
        using var server = PemFiles.ReadCertificateWithKey(certificatePath, result.Report["key"]);
        using var ca = PemFiles.ReadCertificate(Path.Combine(CaDirectory, "ca.crt"));

        Assert.Equal("CN=localhost", server.Subject);
        var names = Certificates.Single<X509SubjectAlternativeNameExtension>(server);
        Assert.Equal(["localhost", "tracktrace.test"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        Assert.Equal([KeyPurposes.ServerAuth], Certificates.ExtendedKeyUsages(server));
        Assert.False(Certificates.Single<X509BasicConstraintsExtension>(server).CertificateAuthority);

        await ExternalProcess.OpenSslOkAsync(
            "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", "tracktrace.test", "-verify_ip", "::1",
            "-CAfile", Path.Combine(CaDirectory, "ca.crt"), certificatePath);

        // A server certificate must not pass as a device.
        Assert.True(Certificates.ValidateAsClient(server, ca).HasFlag(X509ChainStatusFlags.NotValidForUsage));
    }

    [Fact]
    public async Task Name_sets_the_file_names_and_an_IP_only_certificate_is_named_after_its_address()
    {
        await Cli.RunOkAsync("ca", "init", "--out", CaDirectory);

        var result = await Cli.RunOkAsync(
            "cert", "server", "--ca", CaDirectory, "--ip", "127.0.0.1", "--out", ServerDirectory, "--name", "api", "--days", "7");

        Assert.Equal(["api.crt", "api.key"], CaInitCommandTests.FileNames(ServerDirectory));
        using var server = PemFiles.ReadCertificate(result.Report["certificate"]);
        Assert.Equal("CN=127.0.0.1", server.Subject);
        Assert.Empty(Certificates.Single<X509SubjectAlternativeNameExtension>(server).EnumerateDnsNames());
        Assert.InRange(server.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(7).AddMinutes(-10), DateTime.UtcNow.AddDays(7).AddMinutes(1));
    }

    [Theory]
    [InlineData("at least one --dns or --ip")]
    [InlineData("is not an IP address", "--ip", "127.1")]
    [InlineData("is not an IP address", "--ip", "localhost")]
    [InlineData("is not a DNS name", "--dns", "two words")]
    [InlineData("not a safe file name", "--dns", "localhost", "--name", "../server")]
    public async Task Bad_subject_alternative_names_are_usage_errors(string message, params string[] options)
    {
        await Cli.RunOkAsync("ca", "init", "--out", CaDirectory);

        var result = await Cli.RunAsync(["cert", "server", "--ca", CaDirectory, "--out", ServerDirectory, .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(ServerDirectory));
    }
}
