using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;
using Xunit.Abstractions;

namespace TrackTrace.IntegrationTests.Browser;

/// <summary>
/// The Devices area of the staff page in Debian's Chromium, driven by tests/browser/devices.mjs as an
/// admin: the fleet list and its pages, a device page, suspend and resume in the page with the scan
/// refused and accepted over the API in between, a suspension made elsewhere showing live, an
/// enrollment token issued in the page and used with the page's own openssl/curl lines, a
/// certificate retired; a staff certificate sees no Devices area and gets 403. Screenshots at laptop
/// and tablet widths go to .tracktrace/test-results/screenshots/.
/// </summary>
public sealed class DevicePagesBrowserTests(DevicePagesBrowserTests.Fleet setup, ITestOutputHelper output)
    : IClassFixture<DevicePagesBrowserTests.Fleet>
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    /// <summary>A service with a small fleet: more sensors than one page, a scanner that scanned, a device waiting to enroll.</summary>
    public sealed class Fleet : ServiceFixture
    {
        public string Pki { get; private set; } = "";
        public string Station { get; private set; } = "";
        public string Scanner { get; private set; } = "";
        public WrittenFiles ScannerFiles { get; private set; } = null!;
        public WrittenFiles StaffFiles { get; private set; } = null!;
        public WrittenFiles AdminFiles { get; private set; } = null!;
        public string Pending { get; private set; } = "";
        public string[] Shipments { get; private set; } = [];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Pki = Directory.CreateTempSubdirectory("tracktrace-fleet-browser-").FullName;
            File.Copy(TestPki.Instance.CaPath, Path.Combine(Pki, "ca.crt"));
            AdminFiles = PemFiles.WriteCertificateAndKey(Pki, "admin", TestPki.Instance.Admin);
            StaffFiles = PemFiles.WriteCertificateAndKey(Pki, "staff", await Api.EnrollAsync("staff"));
            Station = await Api.RegisterStationAsync("factory");
            Scanner = NewId("scanner-dock").ToLowerInvariant();
            var scanner = await Api.EnrollAsync("scanner", Station, Scanner, new Dictionary<string, string> { ["zone"] = "dock-4" });
            ScannerFiles = PemFiles.WriteCertificateAndKey(Pki, "scanner", scanner);
            // One page of the list holds 50: these make a second one.
            for (var i = 0; i < 52; i++)
            {
                await Api.EnrollAsync("sensor", deviceId: $"sensor-reefer-{i:D3}");
            }

            Shipments = [await Api.RegisterShipmentAsync("road-domestic"), await Api.RegisterShipmentAsync("road-domestic"),
                await Api.RegisterShipmentAsync("road-domestic")];
            using var client = Service.Client(scanner);
            await Expect(await ScanAsync(client, Shipments[0]), HttpStatusCode.Created);
            Pending = NewId("scanner-gate").ToLowerInvariant();
            await Expect(await Admin.PostAsJsonAsync("/api/devices", new { deviceId = Pending, role = "scanner", stationId = Station }),
                HttpStatusCode.Created);
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(Pki, recursive: true);
        }
    }

    [Fact]
    public async Task An_admin_finds_suspends_resumes_and_enrolls_devices_in_the_page_while_staff_see_no_devices()
    {
        var tools = BrowserTools.Locate();
        var screenshots = Path.Combine(tools.Repository, ".tracktrace", "test-results", "screenshots");
        var ca = Path.Combine(setup.Pki, "ca.crt");
        var run = await tools.RunScriptAsync("devices.mjs", new Dictionary<string, string>
        {
            ["TRACKTRACE_URL"] = setup.Service.ApiAddress.GetLeftPart(UriPartial.Authority),
            ["TRACKTRACE_CA"] = ca,
            ["NODE_EXTRA_CA_CERTS"] = ca,
            ["TRACKTRACE_ADMIN_CERT"] = setup.AdminFiles.CertificatePath,
            ["TRACKTRACE_ADMIN_KEY"] = setup.AdminFiles.KeyPath,
            ["TRACKTRACE_STAFF_CERT"] = setup.StaffFiles.CertificatePath,
            ["TRACKTRACE_STAFF_KEY"] = setup.StaffFiles.KeyPath,
            ["TRACKTRACE_SCANNER"] = setup.Scanner,
            ["TRACKTRACE_SCANNER_CERT"] = setup.ScannerFiles.CertificatePath,
            ["TRACKTRACE_SCANNER_KEY"] = setup.ScannerFiles.KeyPath,
            ["TRACKTRACE_STATION"] = setup.Station,
            ["TRACKTRACE_PENDING"] = setup.Pending,
            ["TRACKTRACE_SHIPMENTS"] = string.Join(',', setup.Shipments),
            ["TRACKTRACE_SCREENSHOTS"] = screenshots,
            ["CHROMIUM"] = tools.Chromium,
        }, ScriptTimeout);

        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"tests/browser/devices.mjs exited with {run.ExitCode}:\n{run.Output}");

        // What the page did is what the service holds.
        var audit = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{setup.Scanner}/audit"), HttpStatusCode.OK);
        var facts = audit.EnumerateArray().Select(e => e.GetProperty("fact").GetString()).ToArray();
        Assert.Contains("suspended", facts);
        Assert.Contains("resumed", facts);
        var enrolled = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{setup.Pending}"), HttpStatusCode.OK);
        Assert.False(enrolled.GetProperty("pending").GetBoolean());
        Assert.True(File.Exists(Path.Combine(screenshots, "devices-1-list.png")), $"no screenshot in {screenshots}");
    }
}
