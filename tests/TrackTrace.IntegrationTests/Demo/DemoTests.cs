using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TrackTrace.Cli.Commands;
using TrackTrace.Cli.Demo;
using TrackTrace.Pki;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Demo;

/// <summary>
/// <c>tracktrace demo</c> against a real service, and what a staff member then sees over the API,
/// signed in with the staff certificate the demo left behind.
/// </summary>
public sealed class DemoTests(DemoTests.DemoService setup) : IClassFixture<DemoTests.DemoService>
{
    /// <summary>A service of its own with the demo run once against it, from a private copy of the test PKI.</summary>
    public sealed class DemoService : ServiceFixture
    {
        public string Pki { get; private set; } = "";
        public DemoResult First { get; private set; } = null!;
        public string FirstLog { get; private set; } = "";
        public HttpClient Staff { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Pki = CopyOfTestPki();
            using var log = new StringWriter();
            First = await DemoRun.RunAsync(Service.ApiAddress, Service.EnrollmentAddress, Pki, log, CancellationToken.None);
            FirstLog = log.ToString();
            Staff = Service.Client(TrustedChannel.LoadCertificate(First.StaffCertificatePath, First.StaffKeyPath));
        }

        public override async Task DisposeAsync()
        {
            Staff.Dispose();
            await base.DisposeAsync();
            Directory.Delete(Pki, recursive: true);
        }

        /// <summary>
        /// The CA and admin of the test run in a directory of this class's own: the demo writes its
        /// staff files next to them, and another class's demo must not overwrite them meanwhile.
        /// </summary>
        public static string CopyOfTestPki()
        {
            var directory = Directory.CreateTempSubdirectory("tracktrace-demo-").FullName;
            foreach (var file in new[] { "ca.crt", "ca.key", "admin.crt", "admin.key" })
            {
                File.Copy(Path.Combine(TestPki.Instance.Directory, file), Path.Combine(directory, file));
            }

            return directory;
        }
    }

    private async Task<JsonElement> StaffGet(string path) =>
        await ServiceFixture.Expect(await setup.Staff.GetAsync(path), HttpStatusCode.OK);

    private async Task<string[]> Facts(string shipment) =>
        (await StaffGet($"/api/shipments/{shipment}/timeline")).EnumerateArray().Select(e => e.GetProperty("fact").GetString()!).ToArray();

    private async Task<string[]> AlertTypes(string shipment) =>
        (await StaffGet($"/api/alerts?shipmentId={shipment}")).GetProperty("items").EnumerateArray()
        .Select(a => a.GetProperty("type").GetString()!).Order().ToArray();

    /// <summary>The station of a timeline entry; facts without one (a breach, a sensor attached) leave it out.</summary>
    private static string? Where(JsonElement entry) =>
        entry.TryGetProperty("where", out var where) ? where.GetString() : null;

    [Fact]
    public async Task Its_scanners_and_sensors_made_their_own_keys_and_enrolled_over_est_with_a_token()
    {
        var enrolled = System.Text.RegularExpressions.Regex.Matches(setup.FirstLog, @"200 enrolled\s+(demo-(?:scanner|sensor)-\S+)")
            .Select(m => m.Groups[1].Value).ToArray();
        Assert.Contains(enrolled, id => id.StartsWith("demo-scanner-", StringComparison.Ordinal));
        Assert.Contains(enrolled, id => id.StartsWith("demo-sensor-", StringComparison.Ordinal));

        foreach (var deviceId in enrolled)
        {
            var audit = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);
            var facts = audit.EnumerateArray().Select(e => e.GetProperty("fact").GetString()).ToArray();
            Assert.Equal(["registered", "enrollment-token-issued", "enrolled-with-token"], facts.Take(3));
        }
    }

    [Fact]
    public async Task The_shipment_whose_cold_chain_broke_was_refused_at_the_destination_and_its_timeline_ends_there()
    {
        var shipment = await StaffGet($"/api/shipments/{setup.First.OceanBreached}");
        Assert.Equal("ocean-reefer", shipment.GetProperty("route").GetString());
        Assert.Equal("refused", shipment.GetProperty("status").GetString());
        Assert.Equal("refused", shipment.GetProperty("attributes").GetProperty("delivery").GetString());
        Assert.True(shipment.GetProperty("breached").GetBoolean());

        var timeline = (await StaffGet($"/api/shipments/{setup.First.OceanBreached}/timeline")).EnumerateArray().ToArray();
        Assert.Equal("delivery-refused", timeline[^1].GetProperty("fact").GetString());
        Assert.Equal("DEMO-SG-DC", Where(timeline[^1]));
        Assert.Contains(timeline, e => e.GetProperty("fact").GetString() == "cold-chain-breached");
        Assert.DoesNotContain(timeline, e => e.GetProperty("fact").GetString() == "shipment-delivered");

        // The excursion happened while the shipment was at the port, and lasted longer than the 30 minutes allowed.
        var coldChain = await StaffGet($"/api/shipments/{setup.First.OceanBreached}/cold-chain");
        var breach = coldChain.GetProperty("breach");
        Assert.Equal("allowance-exceeded", breach.GetProperty("rule").GetString());
        Assert.True(coldChain.GetProperty("minutesOutside").GetDouble() > coldChain.GetProperty("allowanceMinutes").GetDouble());
        var atPort = timeline.Single(e => Where(e) == "DEMO-NLRTM-PORT").GetProperty("at").GetDateTimeOffset();
        var atImportCustoms = timeline.Single(e => Where(e) == "DEMO-SGSIN-CUSTOMS-IMP").GetProperty("at").GetDateTimeOffset();
        Assert.InRange(breach.GetProperty("at").GetDateTimeOffset(), atPort, atImportCustoms);

        string[] alerts = ["cold-chain-breach", "delivery-refused"];
        Assert.Equal(alerts, await AlertTypes(setup.First.OceanBreached));
    }

    [Fact]
    public async Task The_out_of_sequence_shipment_has_one_anomaly_and_one_alert_and_went_on_to_delivery()
    {
        var shipment = await StaffGet($"/api/shipments/{setup.First.OutOfSequence}");
        Assert.Equal(1, shipment.GetProperty("anomalyCount").GetInt32());
        Assert.Equal("delivered", shipment.GetProperty("status").GetString());

        string[] alerts = ["out-of-sequence"];
        Assert.Equal(alerts, await AlertTypes(setup.First.OutOfSequence));
        var facts = await Facts(setup.First.OutOfSequence);
        Assert.Single(facts, fact => fact == "out-of-sequence-scan-recorded");
        Assert.Equal(7, facts.Count(fact => fact == "station-checked-in"));
        Assert.Equal("shipment-delivered", facts[^1]);
    }

    [Fact]
    public async Task The_ocean_shipment_kept_in_range_and_the_road_shipment_are_delivered()
    {
        foreach (var id in new[] { setup.First.OceanDelivered, setup.First.RoadDelivered })
        {
            var shipment = await StaffGet($"/api/shipments/{id}");
            Assert.Equal("delivered", shipment.GetProperty("status").GetString());
            Assert.Equal("accepted", shipment.GetProperty("attributes").GetProperty("delivery").GetString());
            Assert.False(shipment.GetProperty("breached").GetBoolean());
            Assert.Equal(0, shipment.GetProperty("anomalyCount").GetInt32());
            Assert.Equal("shipment-delivered", (await Facts(id))[^1]);
            Assert.Empty(await AlertTypes(id));
        }

        Assert.Matches("^[0-9]{18}$", setup.First.OceanDelivered);
        var readings = (await StaffGet($"/api/shipments/{setup.First.OceanDelivered}/temperature-readings")).EnumerateArray().ToArray();
        Assert.True(readings.Length > 100, $"{readings.Length} readings");
        Assert.All(readings, r => Assert.InRange(r.GetProperty("celsius").GetDouble(), 2, 8));
        var span = readings[^1].GetProperty("at").GetDateTimeOffset() - readings[0].GetProperty("at").GetDateTimeOffset();
        Assert.True(span > TimeSpan.FromHours(6), $"readings span {span}");
    }

    [Fact]
    public async Task Check_ins_are_made_in_order_and_none_in_the_future()
    {
        foreach (var id in setup.First.Shipments)
        {
            var checkIns = (await StaffGet($"/api/shipments/{id}/timeline")).EnumerateArray()
                .Where(e => e.GetProperty("fact").GetString() is "station-checked-in" or "out-of-sequence-scan-recorded" or "delivery-refused")
                .OrderBy(e => e.GetProperty("version").GetInt64())
                .ToArray();
            var scanned = checkIns.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToArray();
            Assert.Equal(scanned.Order(), scanned);
            Assert.All(checkIns, e => Assert.True(
                e.GetProperty("at").GetDateTimeOffset() <= e.GetProperty("recordedAt").GetDateTimeOffset(),
                $"{id}: scanned at {e.GetProperty("at")}, after it was recorded at {e.GetProperty("recordedAt")}"));
        }
    }

    [Fact]
    public async Task The_staff_certificate_it_leaves_reads_shipments_but_cannot_administer()
    {
        var listed = (await StaffGet("/api/shipments?pageSize=200")).GetProperty("items").EnumerateArray()
            .Select(s => s.GetProperty("shipmentId").GetString()).ToArray();
        Assert.All(setup.First.Shipments, id => Assert.Contains(id, listed));
        var forbidden = await setup.Staff.PostAsJsonAsync("/api/stations", new { stationId = "DEMO-STAFF-TRY", type = "port", name = "no" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var pem = X509Certificate2.CreateFromPemFile(setup.First.StaffCertificatePath, setup.First.StaffKeyPath);
        using var p12 = X509CertificateLoader.LoadPkcs12FromFile(setup.First.StaffPkcs12Path, DemoRun.StaffPkcs12Password);
        Assert.True(p12.HasPrivateKey);
        Assert.Equal(pem.Thumbprint, p12.Thumbprint);
        Assert.StartsWith("CN=demo-staff-", pem.Subject);
        Assert.Equal(Path.Combine(setup.Pki, "demo-staff.p12"), setup.First.StaffPkcs12Path);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PemFiles.PrivateKeyMode, File.GetUnixFileMode(setup.First.StaffKeyPath));
            Assert.Equal(PemFiles.PrivateKeyMode, File.GetUnixFileMode(setup.First.StaffPkcs12Path));
        }

        var device = await ServiceFixture.Expect(
            await setup.Admin.GetAsync($"/api/devices/{pem.GetNameInfo(X509NameType.SimpleName, false)}"), HttpStatusCode.OK);
        Assert.Equal("staff", device.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Running_it_again_against_the_same_service_works_with_new_ids()
    {
        using var log = new StringWriter();
        var second = await DemoRun.RunAsync(setup.Service.ApiAddress, setup.Service.EnrollmentAddress, setup.Pki, log, CancellationToken.None);

        Assert.Empty(second.Shipments.Intersect(setup.First.Shipments));
        Assert.Equal(4, second.Shipments.Distinct().Count());
        Assert.Contains("409 station-exists", log.ToString());
        Assert.DoesNotContain("409 station-exists", setup.FirstLog);
        var refused = await StaffGet($"/api/shipments/{second.OceanBreached}");
        Assert.Equal("refused", refused.GetProperty("status").GetString());
        var delivered = await StaffGet($"/api/shipments/{second.OceanDelivered}");
        Assert.Equal("delivered", delivered.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_unexpected_answer_stops_the_command_with_exit_1_and_the_problem_detail()
    {
        // The test CA's key, but an admin certificate the service never enrolled: the first request is refused.
        var pki = DemoService.CopyOfTestPki();
        try
        {
            using (var stranger = TestPki.Instance.IssueDevice("admin"))
            {
                PemFiles.WriteCertificateAndKey(pki, "admin", stranger);
            }

            using var output = new StringWriter();
            using var error = new StringWriter();
            var exitCode = await CliApplication.RunAsync(
                ["demo", "--api", setup.Service.ApiAddress.ToString(), "--enrollment", setup.Service.EnrollmentAddress.ToString(), "--pki", pki], output, error);

            Assert.Equal(ExitCodes.Failure, exitCode);
            Assert.Contains("register station DEMO-NLRTM-FACTORY", error.ToString());
            Assert.Contains("403 device-rejected: ", error.ToString());
            Assert.False(File.Exists(Path.Combine(pki, "demo-staff.p12")));
        }
        finally
        {
            Directory.Delete(pki, recursive: true);
        }
    }
}
