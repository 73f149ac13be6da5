using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Enrollment;

/// <summary>
/// The README's scanner, a Linux box with openssl and curl and nothing else: the block between
/// <c>scanner-est:begin</c> and <c>scanner-est:end</c> is run as it stands (only its first line, the
/// operator's values, is replaced by this service's), so the documentation cannot drift from what works.
/// </summary>
public sealed partial class ScannerWithOpensslAndCurlTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task The_documented_openssl_and_curl_commands_enroll_scan_renew_and_retire_the_old_certificate()
    {
        var station = await fixture.Api.RegisterStationAsync("factory");
        var devices = new EstDevices(fixture.Service, fixture.Admin);
        var pending = await devices.RegisterAsync("scanner", station);
        var shipment = await fixture.Api.RegisterShipmentAsync("road-domestic");
        var next = await fixture.Api.RegisterShipmentAsync("road-domestic");
        var directory = Directory.CreateTempSubdirectory("tt-scanner-").FullName;
        try
        {
            File.Copy(TestPki.Instance.CaPath, Path.Combine(directory, "ca.crt"));
            var (script, operatorLine) = DocumentedScript();
            var values = $"DEVICE={pending.DeviceId} TOKEN={pending.Token} ENROLL={Origin(fixture.Service.EnrollmentAddress)} " +
                         $"API={Origin(fixture.Service.ApiAddress)} SHIPMENT={shipment} NEXT={next}";
            Assert.StartsWith("DEVICE=", operatorLine);

            var (exit, output) = await BashAsync(directory, script.Replace(operatorLine, values));

            Assert.True(exit == 0, $"the README's scanner commands failed ({exit}):\n{output}");
            Assert.Equal(2, Regex.Matches(output, "\"status\":\"accepted\"").Count);
            using var renewed = X509Certificate2.CreateFromPemFile(Path.Combine(directory, "scanner.crt"), Path.Combine(directory, "scanner.key"));
            Assert.Equal("CN=" + pending.DeviceId, renewed.Subject);
            Assert.Equal(2, Regex.Matches(await File.ReadAllTextAsync(Path.Combine(directory, "est-ca.pem")), "BEGIN CERTIFICATE").Count);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "scanner.key")));

            var audit = (await devices.AuditAsync(pending.DeviceId)).EnumerateArray().Select(e => e.GetProperty("fact").GetString()!).ToArray();
            Assert.Equal(["registered", "enrollment-token-issued", "enrolled-with-token", "certificate-renewed", "certificate-retired"], audit);
            var device = await devices.DeviceAsync(pending.DeviceId);
            var live = device.GetProperty("certificates").EnumerateArray().Where(c => !c.GetProperty("retired").GetBoolean()).ToArray();
            Assert.Equal(Fingerprint.Sha256Hex(renewed), Assert.Single(live).GetProperty("fingerprint").GetString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The README block, and its first command line (the operator's values).</summary>
    private static (string Script, string OperatorLine) DocumentedScript()
    {
        var readme = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        var block = DocumentedBlock().Match(readme);
        Assert.True(block.Success, "README.md has no scanner-est block");
        var script = block.Groups["script"].Value;
        var operatorLine = script.Split('\n').First(l => l.Length > 0 && !l.StartsWith('#'));
        return (script, operatorLine);
    }

    private static string Origin(Uri address) => address.GetLeftPart(UriPartial.Authority);

    private static async Task<(int Exit, string Output)> BashAsync(string directory, string script)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-s");
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"<!-- scanner-est:begin -->\s*```bash\n(?<script>.*?)```\s*<!-- scanner-est:end -->", RegexOptions.Singleline)]
    private static partial Regex DocumentedBlock();
}
