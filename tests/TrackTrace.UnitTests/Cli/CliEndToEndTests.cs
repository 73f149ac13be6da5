using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

/// <summary>The three commands in the order an operator runs them, checked with openssl.</summary>
public sealed class CliEndToEndTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Ca_init_then_cert_issue_then_cert_server_produce_a_working_PKI()
    {
        var pki = _temp.Combine("pki");

        var ca = await Cli.RunOkAsync("ca", "init", "--out", pki);
        var device = await Cli.RunOkAsync("cert", "issue", "--ca", pki, "--device", "scanner-1", "--out", _temp.Combine("devices"));
        var server = await Cli.RunOkAsync("cert", "server", "--ca", pki, "--dns", "localhost", "--ip", "127.0.0.1", "--out", _temp.Combine("server"));

        foreach (var result in new[] { ca, device, server })
        {
            string[] reported = result == ca ? ["certificate", "key", "sha256"] : ["certificate", "issuer", "key", "sha256"];
            Assert.Equal(reported, result.Report.Keys.Order(StringComparer.Ordinal));
            Assert.Empty(result.StandardError);
            Assert.True(File.Exists(result.Report["key"]), result.Report["key"]);
            var openssl = await ExternalProcess.OpenSslOkAsync("x509", "-in", result.Report["certificate"], "-noout", "-fingerprint", "-sha256");
            Assert.Equal(Certificates.OpenSslFingerprint(openssl.StandardOutput), result.Report["sha256"]);
            await ExternalProcess.OpenSslOkAsync("pkey", "-in", result.Report["key"], "-noout");
        }

        Assert.Equal("CN=TrackTrace Dev CA", device.Report["issuer"]);
        await ExternalProcess.OpenSslOkAsync("verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", ca.Report["certificate"], device.Report["certificate"]);
        await ExternalProcess.OpenSslOkAsync(
            "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", "localhost", "-CAfile", ca.Report["certificate"], server.Report["certificate"]);
    }

    [Fact]
    public async Task Built_executable_reports_exit_codes_and_messages_without_stack_traces()
    {
        var pki = _temp.Combine("pki");

        var created = await RunExecutableAsync("ca", "init", "--out", pki);
        var badDevice = await RunExecutableAsync("cert", "issue", "--ca", pki, "--device", "../etc/passwd", "--out", _temp.Path);
        var refused = await RunExecutableAsync("ca", "init", "--out", pki);
        var noCommand = await RunExecutableAsync();

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains($"key={Path.Combine(pki, CertificateAuthority.KeyFileName)}", created.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, badDevice.ExitCode);
        Assert.StartsWith("error: invalid device id '../etc/passwd'", badDevice.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("error: ", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, noCommand.ExitCode);
        Assert.All(new[] { badDevice, refused, noCommand }, result =>
        {
            Assert.Empty(result.StandardOutput);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        });
    }

    /// <summary>Runs tracktrace.dll, which the project reference copies next to the tests, with the running dotnet host.</summary>
    private static Task<ProcessResult> RunExecutableAsync(params string[] args)
    {
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var assembly = Path.Combine(AppContext.BaseDirectory, "tracktrace.dll");
        return ExternalProcess.RunAsync(host, [assembly, .. args]);
    }
}
