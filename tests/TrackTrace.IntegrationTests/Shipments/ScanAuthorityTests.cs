using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Shipments;

/// <summary>
/// What a device may put on a shipment's record, and what a role may read: event times that say
/// their offset and are not too old, a list a backdated scan cannot reorder, shipment endpoints that
/// serve shipment streams only, strict roles, and a suspended device refused before anything else.
/// </summary>
public sealed class ScanAuthorityTests(ScanAuthorityTests.RoadStations setup) : IClassFixture<ScanAuthorityTests.RoadStations>
{
    /// <summary>A scanner at each station of road-domestic, and a staff device.</summary>
    public sealed class RoadStations : ServiceFixture
    {
        public Dictionary<string, HttpClient> Scanners { get; } = new();
        public HttpClient Staff { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var type in new[] { "factory", "truck", "destination" })
            {
                Scanners[type] = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync(type)));
            }

            Staff = Service.Client(await Api.EnrollAsync("staff"));
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("2026-01-01T10:00:00")]
    [InlineData("2026-01-01 10:00")]
    [InlineData("tomorrow")]
    public async Task A_scan_time_without_an_explicit_offset_is_a_400_naming_scannedAt(string scannedAt)
    {
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        var problem = await ServiceFixture.Expect(await setup.Scanners["factory"].PostAsync("/api/scans", Json(
            $$"""{"scanId":"{{Guid.NewGuid()}}","shipmentId":"{{shipment}}","scannedAt":"{{scannedAt}}"}""")), HttpStatusCode.BadRequest);

        Assert.EndsWith("/invalid-request", problem.GetProperty("type").GetString());
        Assert.Contains("explicit offset", problem.GetProperty("errors").GetProperty("scannedAt")[0].GetString());
        var view = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal(0, view.GetProperty("currentLeg").GetProperty("number").GetInt32());
    }

    [Fact]
    public async Task A_scan_older_than_the_maximum_event_age_is_a_400_and_one_just_inside_it_is_accepted()
    {
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        var tooOld = await ServiceFixture.Expect(
            await ServiceFixture.ScanAsync(setup.Scanners["factory"], shipment, at: DateTimeOffset.UtcNow.AddDays(-30).AddMinutes(-1)),
            HttpStatusCode.BadRequest);
        Assert.Contains("in the past", tooOld.GetProperty("errors").GetProperty("scannedAt")[0].GetString());

        await ServiceFixture.Expect(
            await ServiceFixture.ScanAsync(setup.Scanners["factory"], shipment, at: DateTimeOffset.UtcNow.AddDays(-29)),
            HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_backdated_delivery_scan_does_not_push_its_shipment_down_the_staff_list()
    {
        var prefix = ServiceFixture.NewId("ORDER");
        var delivered = await setup.Api.RegisterShipmentAsync("road-domestic", prefix + "-A");
        var other = await setup.Api.RegisterShipmentAsync("road-domestic", prefix + "-B");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["factory"], delivered), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["truck"], delivered), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["factory"], other), HttpStatusCode.Created);

        // The destination's clock (or its operator) says the goods arrived twenty days ago.
        await ServiceFixture.Expect(
            await ServiceFixture.ScanAsync(setup.Scanners["destination"], delivered, at: DateTimeOffset.UtcNow.AddDays(-20)),
            HttpStatusCode.Created);

        var page = await ServiceFixture.Expect(await setup.Staff.GetAsync($"/api/shipments?q={prefix}"), HttpStatusCode.OK);
        var order = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("shipmentId").GetString()!).ToArray();
        Assert.Equal<string[]>([delivered, other], order);
    }

    [Theory]
    [InlineData("device-admin")]
    [InlineData("station-X")]
    [InlineData("alert-0123")]
    public async Task Shipment_endpoints_serve_shipment_streams_only(string otherStream)
    {
        foreach (var path in new[] { "", "/timeline", "/cold-chain", "/temperature-readings" })
        {
            var problem = await ServiceFixture.Expect(await setup.Staff.GetAsync($"/api/shipments/{otherStream}{path}"), HttpStatusCode.NotFound);
            Assert.EndsWith("/not-found", problem.GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task The_admin_devices_stream_is_not_readable_as_a_timeline()
    {
        // device-admin exists (the bootstrap admin): its stream holds fingerprints and attribute values.
        var problem = await ServiceFixture.Expect(await setup.Staff.GetAsync("/api/shipments/device-admin/timeline"), HttpStatusCode.NotFound);
        Assert.DoesNotContain("fingerprint", problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("sensor,staff")]
    [InlineData("staff, admin")]
    [InlineData("3")]
    [InlineData("Admins")]
    [InlineData("")]
    public async Task A_role_is_one_role_name_exactly(string role)
    {
        var deviceId = ServiceFixture.NewId("dev").ToLowerInvariant();
        var response = await setup.Admin.PostAsJsonAsync("/api/devices", new
        {
            deviceId, role, certificate = TestPki.Pem(TestPki.Instance.IssueDevice(deviceId)),
        });
        var problem = await ServiceFixture.Expect(response, HttpStatusCode.BadRequest);
        Assert.Contains("one of scanner, sensor, staff, admin", problem.GetProperty("errors").GetProperty("role")[0].GetString());
        await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/shipments", "page=2147483647")]
    [InlineData("/api/shipments", "page=0")]
    [InlineData("/api/shipments", "page=-1")]
    [InlineData("/api/shipments", "pageSize=0")]
    [InlineData("/api/shipments", "pageSize=2147483647")]
    [InlineData("/api/alerts", "page=2147483647")]
    [InlineData("/api/alerts", "page=-5")]
    [InlineData("/api/alerts", "pageSize=-1")]
    public async Task Paging_out_of_range_is_a_400_naming_the_parameter(string list, string query)
    {
        var problem = await ServiceFixture.Expect(await setup.Staff.GetAsync($"{list}?{query}"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(query.Split('=')[0], out _), problem.GetRawText());
    }

    [Fact]
    public async Task A_suspended_scanner_is_refused_as_suspended_also_for_a_broken_body_or_a_wrong_content_type()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", station, deviceId));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Created);
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{deviceId}/suspend", new { reason = "lost" }),
            HttpStatusCode.OK);

        foreach (var content in new HttpContent[]
                 {
                     Json("{ \"scanId\": "),
                     Json("[1, 2, 3]"),
                     Json($$"""{"scanId":"{{Guid.NewGuid()}}","shipmentId":"{{shipment}}","scannedAt":"2026-01-01T10:00:00"}"""),
                     new StringContent("{}", Encoding.UTF8, "text/plain"),
                 })
        {
            var problem = await ServiceFixture.Expect(await scanner.PostAsync("/api/scans", content), HttpStatusCode.Forbidden);
            Assert.Equal("suspended", problem.GetProperty("reason").GetString());
        }
    }
}
