using TrackTrace.Cli.Demo;
using TrackTrace.Pki;
using TrackTrace.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TrackTrace.IntegrationTests.Browser;

/// <summary>
/// The staff page in a real browser: Debian's Chromium, driven by tests/browser/staff-page.mjs
/// (playwright-core), against a service the demo filled, signed in with the demo's staff certificate.
/// Screenshots of each page go to .tracktrace/test-results/screenshots/.
/// </summary>
public sealed class StaffPageBrowserTests(StaffPageBrowserTests.DemoService setup, ITestOutputHelper output)
    : IClassFixture<StaffPageBrowserTests.DemoService>
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    /// <summary>A service of its own with the demo run against it, from a private copy of the test PKI.</summary>
    public sealed class DemoService : ServiceFixture
    {
        public string Pki { get; private set; } = "";
        public DemoResult Demo { get; private set; } = null!;
        public string DemoLog { get; private set; } = "";

        /// <summary>A road shipment checked in at the factory 13 hours ago: its truck leg (PT8H + PT4H) is overdue.</summary>
        public string Overdue { get; private set; } = "";

        /// <summary>A road shipment checked in at the factory now: its truck leg is due in 12 hours.</summary>
        public string OnTime { get; private set; } = "";

        /// <summary>A road shipment whose truck checked in half an hour after its due time.</summary>
        public string Late { get; private set; } = "";

        protected override IDictionary<string, string?> Overrides =>
            new Dictionary<string, string?> { ["Shipments:OverdueCheckInterval"] = "00:00:01" };

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            // The demo writes its staff certificate and key next to the CA: a directory of this class's own.
            Pki = Directory.CreateTempSubdirectory("tracktrace-browser-").FullName;
            foreach (var file in new[] { "ca.crt", "ca.key", "admin.crt", "admin.key" })
            {
                File.Copy(Path.Combine(TestPki.Instance.Directory, file), Path.Combine(Pki, file));
            }

            using var log = new StringWriter();
            Demo = await DemoRun.RunAsync(Service.ApiAddress, Service.EnrollmentAddress, Pki, log, CancellationToken.None);
            DemoLog = log.ToString();

            using var factory = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync("factory")));
            Overdue = await Api.RegisterShipmentAsync("road-domestic");
            await Expect(await ScanAsync(factory, Overdue, at: DateTimeOffset.UtcNow.AddHours(-13)), System.Net.HttpStatusCode.Created);
            OnTime = await Api.RegisterShipmentAsync("road-domestic");
            await Expect(await ScanAsync(factory, OnTime), System.Net.HttpStatusCode.Created);
            using var truck = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync("truck")));
            Late = await Api.RegisterShipmentAsync("road-domestic");
            await Expect(await ScanAsync(factory, Late, at: DateTimeOffset.UtcNow.AddHours(-13)), System.Net.HttpStatusCode.Created);
            await Expect(await ScanAsync(truck, Late, at: DateTimeOffset.UtcNow.AddMinutes(-30)), System.Net.HttpStatusCode.Created);
            // The page lists it first once the monitor (every second here) has recorded it.
            await Eventually(async () => (await Admin.GetStringAsync($"/api/shipments/{Overdue}/timeline")).Contains("\"check-in-overdue\""),
                what: "the monitor to record the overdue check-in");
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(Pki, recursive: true);
        }
    }

    [Fact]
    public async Task Staff_see_the_breach_the_anomaly_and_the_overdue_shipment_and_acknowledge_a_live_alert_while_others_are_refused()
    {
        var tools = BrowserTools.Locate();
        output.WriteLine(setup.DemoLog);

        // Another role (403 role-not-allowed) and a certificate from our CA never enrolled (403 and a live alert).
        var scanner = PemFiles.WriteCertificateAndKey(setup.Pki, "browser-scanner",
            await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("factory")));
        var stranger = PemFiles.WriteCertificateAndKey(setup.Pki, "browser-stranger",
            TestPki.Instance.IssueDevice(ServiceFixture.NewId("stranger").ToLowerInvariant()));
        var screenshots = Path.Combine(tools.Repository, ".tracktrace", "test-results", "screenshots");
        var ca = Path.Combine(setup.Pki, "ca.crt");

        var run = await tools.RunScriptAsync("staff-page.mjs", new Dictionary<string, string>
        {
            ["TRACKTRACE_URL"] = setup.Service.ApiAddress.GetLeftPart(UriPartial.Authority),
            ["TRACKTRACE_CA"] = ca,
            // Playwright's client-certificate proxy runs in node and verifies the server with Node's TLS.
            ["NODE_EXTRA_CA_CERTS"] = ca,
            ["TRACKTRACE_STAFF_CERT"] = setup.Demo.StaffCertificatePath,
            ["TRACKTRACE_STAFF_KEY"] = setup.Demo.StaffKeyPath,
            ["TRACKTRACE_SCANNER_CERT"] = scanner.CertificatePath,
            ["TRACKTRACE_SCANNER_KEY"] = scanner.KeyPath,
            ["TRACKTRACE_STRANGER_CERT"] = stranger.CertificatePath,
            ["TRACKTRACE_STRANGER_KEY"] = stranger.KeyPath,
            ["TRACKTRACE_BREACHED"] = setup.Demo.OceanBreached,
            ["TRACKTRACE_OUT_OF_SEQUENCE"] = setup.Demo.OutOfSequence,
            ["TRACKTRACE_DELIVERED"] = setup.Demo.RoadDelivered,
            ["TRACKTRACE_OVERDUE"] = setup.Overdue,
            ["TRACKTRACE_ON_TIME"] = setup.OnTime,
            ["TRACKTRACE_LATE"] = setup.Late,
            ["TRACKTRACE_SCREENSHOTS"] = screenshots,
            ["CHROMIUM"] = tools.Chromium,
        }, ScriptTimeout);

        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"tests/browser/staff-page.mjs exited with {run.ExitCode}:\n{run.Output}");
        Assert.True(File.Exists(Path.Combine(screenshots, "2-shipment-breached.png")), $"no screenshot in {screenshots}");
    }
}
