using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Monitoring;

/// <summary>
/// The rules that alert without suspending: a scanner outside its station's allowed networks, a
/// scanner scanning faster than Devices:MaxScansPerMinute, and a shipment checked in at two stations
/// farther apart than its leg can travel (an anomaly on the shipment naming both scanners). The
/// station settings they need are validated at registration.
/// </summary>
public sealed class MonitoringRulesTests(MonitoringRulesTests.StrictRules setup) : IClassFixture<MonitoringRulesTests.StrictRules>
{
    public sealed class StrictRules : MonitoredService
    {
        public const int MaxScansPerMinute = 3;

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>(Settings)
        {
            ["Devices:MaxScansPerMinute"] = MaxScansPerMinute.ToString(),
        };

        public async Task<JsonElement> RegisterStationAsync(object body, HttpStatusCode expected = HttpStatusCode.Created) =>
            await Expect(await Admin.PostAsJsonAsync("/api/stations", body), expected);

        public async Task<(string DeviceId, HttpClient Client)> ScannerAtAsync(string stationId, System.Net.IPAddress from)
        {
            var deviceId = NewId("scanner").ToLowerInvariant();
            var certificate = await Api.EnrollAsync("scanner", stationId, deviceId);
            return (deviceId, LoopbackSources.Client(Service.ApiAddress, from, certificate));
        }
    }

    [Fact]
    public async Task A_scanner_outside_its_stations_networks_is_alerted_once_and_keeps_scanning()
    {
        var station = ServiceFixture.NewId("DOCK");
        var registered = await setup.RegisterStationAsync(new
        {
            stationId = station, type = "factory", name = "Dock 7", allowedNetworks = new[] { "127.0.0.2", "10.20.0.0/16" },
        });
        Assert.Equal(["127.0.0.2/32", "10.20.0.0/16"], registered.GetProperty("allowedNetworks").EnumerateArray().Select(n => n.GetString()));
        var (inside, insideClient) = await setup.ScannerAtAsync(station, LoopbackSources.Second);
        var (outside, outsideClient) = await setup.ScannerAtAsync(station, LoopbackSources.First);
        var start = DateTimeOffset.UtcNow;

        for (var i = 0; i < 2; i++)
        {
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(outsideClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(insideClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        }

        var alerts = await ServiceFixture.Eventually(async () =>
            await setup.AlertsAsync("device-outside-network", outside) is { Length: > 0 } found ? found : null, what: "the outside-network alert");
        var alert = Assert.Single(alerts);
        Assert.Contains("127.0.0.1", alert.GetProperty("detail").GetString());
        Assert.Equal(station, alert.GetProperty("stationId").GetString());

        await setup.SeenAsync(inside, "127.0.0.2", start);
        var again = DateTimeOffset.UtcNow;
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(outsideClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        await setup.SeenAsync(outside, "127.0.0.1", again);
        Assert.Single(await setup.AlertsAsync("device-outside-network", outside)); // once per window
        Assert.Empty(await setup.AlertsAsync("device-outside-network", inside));
        Assert.Equal("active", await setup.StatusAsync(outside));
    }

    [Fact]
    public async Task A_scanner_scanning_faster_than_the_limit_is_alerted_once_and_a_normal_one_is_not()
    {
        var (fast, _, fastCertificate) = await setup.ScannerAsync();
        var (calm, _, calmCertificate) = await setup.ScannerAsync();
        using var fastClient = setup.Service.Client(fastCertificate);
        using var calmClient = setup.Service.Client(calmCertificate);

        // 2 x limit + 1 scans: however they fall across a minute's end, one minute holds more than the limit.
        for (var i = 0; i < 2 * StrictRules.MaxScansPerMinute + 1; i++)
        {
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(fastClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        }

        for (var i = 0; i < StrictRules.MaxScansPerMinute - 1; i++)
        {
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(calmClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        }

        var alerts = await ServiceFixture.Eventually(async () =>
            await setup.AlertsAsync("scan-rate-exceeded", fast) is { Length: > 0 } found ? found : null, what: "the scan-rate alert");
        Assert.Contains($"more than {StrictRules.MaxScansPerMinute} scans", Assert.Single(alerts).GetProperty("detail").GetString());

        var start = DateTimeOffset.UtcNow;
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(calmClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        await setup.SeenAsync(calm, "127.0.0.1", start);
        Assert.Empty(await setup.AlertsAsync("scan-rate-exceeded", calm));
        Assert.Single(await setup.AlertsAsync("scan-rate-exceeded", fast));
        Assert.Equal("active", await setup.StatusAsync(fast));
    }

    [Fact]
    public async Task A_check_in_half_a_world_away_a_minute_later_is_accepted_flagged_and_alerted_naming_both_scanners()
    {
        var factory = ServiceFixture.NewId("NLRTM-FACTORY");
        var truck = ServiceFixture.NewId("SG-TRUCK");
        var destination = ServiceFixture.NewId("SG-DC");
        await setup.RegisterStationAsync(new { stationId = factory, type = "factory", name = "Rotterdam", latitude = 51.9496, longitude = 4.1453 });
        await setup.RegisterStationAsync(new { stationId = truck, type = "truck", name = "Singapore truck", latitude = 1.2644, longitude = 103.8223 });
        var view = await setup.RegisterStationAsync(new { stationId = destination, type = "destination", name = "Singapore DC", latitude = 1.3521, longitude = 103.8198 });
        Assert.Equal(1.3521, view.GetProperty("latitude").GetDouble());
        var (factoryScanner, atFactory) = await setup.ScannerAtAsync(factory, LoopbackSources.First);
        var (truckScanner, onTruck) = await setup.ScannerAtAsync(truck, LoopbackSources.First);
        var (_, atDestination) = await setup.ScannerAtAsync(destination, LoopbackSources.First);
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        var now = DateTimeOffset.UtcNow;

        // Rotterdam, then Singapore a minute later: 10,500 km.
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(atFactory, shipment, at: now.AddMinutes(-60)), HttpStatusCode.Created);
        var accepted = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(onTruck, shipment, at: now.AddMinutes(-59)), HttpStatusCode.Created);
        Assert.Equal(2, accepted.GetProperty("leg").GetProperty("number").GetInt32());
        // Across Singapore in the hour after: possible.
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(atDestination, shipment, at: now), HttpStatusCode.Created);

        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        var anomaly = Assert.Single(timeline.EnumerateArray(), e => e.GetProperty("fact").GetString() == "impossible-travel-detected");
        Assert.Equal(factoryScanner, anomaly.GetProperty("data").GetProperty("fromDeviceId").GetString());
        Assert.Equal(truckScanner, anomaly.GetProperty("data").GetProperty("toDeviceId").GetString());
        var state = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal(1, state.GetProperty("anomalyCount").GetInt32());

        var alert = Assert.Single(await setup.AlertsAsync("impossible-travel", truckScanner));
        Assert.Contains(factoryScanner, alert.GetProperty("detail").GetString());
        Assert.Contains(truckScanner, alert.GetProperty("detail").GetString());
        Assert.Equal(shipment, alert.GetProperty("shipmentId").GetString());
        Assert.Equal("active", await setup.StatusAsync(factoryScanner));
        Assert.Equal("active", await setup.StatusAsync(truckScanner));
    }

    [Theory]
    [InlineData("""{ "latitude": 91, "longitude": 4 }""", "latitude")]
    [InlineData("""{ "latitude": 51.9, "longitude": -180.5 }""", "longitude")]
    [InlineData("""{ "latitude": 51.9 }""", "longitude")]
    [InlineData("""{ "longitude": 4.1 }""", "latitude")]
    [InlineData("""{ "allowedNetworks": ["10.20.0.1/16"] }""", "allowedNetworks")]
    [InlineData("""{ "allowedNetworks": ["dock-7.example"] }""", "allowedNetworks")]
    public async Task Station_coordinates_and_networks_that_cannot_be_used_are_a_400_naming_the_field(string extra, string field)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(extra)!;
        body["stationId"] = ServiceFixture.NewId("BAD");
        body["type"] = "factory";
        body["name"] = "Bad";

        var problem = await setup.RegisterStationAsync(body, HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }
}
