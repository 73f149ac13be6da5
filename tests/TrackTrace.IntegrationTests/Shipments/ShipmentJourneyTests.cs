using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Shipments;

/// <summary>Shipments over HTTP with mutual TLS against real PostgreSQL: the ocean-reefer journey and its refusals.</summary>
public sealed class ShipmentJourneyTests(ShipmentJourneyTests.Stations stations) : IClassFixture<ShipmentJourneyTests.Stations>
{
    /// <summary>One scanner per station of the ocean-reefer route.</summary>
    public sealed class Stations : ServiceFixture
    {
        public Dictionary<string, HttpClient> Scanners { get; } = new();

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var name in new[] { "factory", "truck", "customs-exp", "port", "customs-imp", "destination" })
            {
                var type = name.StartsWith("customs") ? "customs" : name;
                var station = await Api.RegisterStationAsync(type);
                Scanners[name] = Service.Client(await Api.EnrollAsync("scanner", station));
            }
        }
    }

    private HttpClient Scanner(string name) => stations.Scanners[name];

    [Fact]
    public async Task Ocean_reefer_journey_is_accepted_leg_by_leg_and_the_timeline_tells_it()
    {
        var shipment = await stations.Api.RegisterShipmentAsync("ocean-reefer");
        var legs = new[] { "factory", "truck", "customs-exp", "port", "customs-imp", "truck", "destination" };
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < legs.Length; i++)
        {
            var body = await ServiceFixture.Expect(
                await ServiceFixture.ScanAsync(Scanner(legs[i]), shipment, at: start.AddSeconds(i)), HttpStatusCode.Created);
            Assert.Equal("accepted", body.GetProperty("status").GetString());
            Assert.Equal(i + 1, body.GetProperty("leg").GetProperty("number").GetInt32());
        }

        var state = await ServiceFixture.Expect(await stations.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal("delivered", state.GetProperty("status").GetString());
        Assert.Equal(7, state.GetProperty("currentLeg").GetProperty("number").GetInt32());
        Assert.Empty(state.GetProperty("expectedStationTypes").EnumerateArray());

        var timeline = await ServiceFixture.Expect(await stations.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        var facts = timeline.EnumerateArray().Select(e => e.GetProperty("fact").GetString()!).ToArray();
        string[] expected = ["shipment-registered", .. Enumerable.Repeat("station-checked-in", 7), "shipment-delivered"];
        Assert.Equal(expected, facts);
        Assert.All(timeline.EnumerateArray().Skip(1), e => Assert.NotNull(e.GetProperty("where").GetString()));
    }

    [Fact]
    public async Task Skipping_customs_is_409_naming_the_expected_station_and_is_recorded_with_an_alert()
    {
        var shipment = await stations.Api.RegisterShipmentAsync("ocean-reefer");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(Scanner("factory"), shipment), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(Scanner("truck"), shipment), HttpStatusCode.Created);

        var response = await ServiceFixture.ScanAsync(Scanner("port"), shipment);
        var problem = await ServiceFixture.Expect(response, HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/out-of-sequence", problem.GetProperty("type").GetString());
        Assert.Equal(["customs"], problem.GetProperty("expectedStationTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, problem.GetProperty("currentLeg").GetProperty("number").GetInt32());

        var state = await ServiceFixture.Expect(await stations.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal(2, state.GetProperty("currentLeg").GetProperty("number").GetInt32());
        Assert.Equal(1, state.GetProperty("anomalyCount").GetInt32());
        var timeline = await ServiceFixture.Expect(await stations.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("fact").GetString() == "out-of-sequence-scan-recorded");
        var alerts = await ServiceFixture.Expect(
            await stations.Admin.GetAsync($"/api/alerts?shipmentId={shipment}&type=out-of-sequence"), HttpStatusCode.OK);
        Assert.Single(alerts.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_retried_scan_gets_the_original_answer_and_nothing_is_stored_twice()
    {
        var shipment = await stations.Api.RegisterShipmentAsync("road-domestic");
        var scanId = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var first = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(Scanner("factory"), shipment, scanId, at), HttpStatusCode.Created);
        var retry = await ServiceFixture.ScanAsync(Scanner("factory"), shipment, scanId, at);
        var second = await ServiceFixture.Expect(retry, HttpStatusCode.Created);
        Assert.Equal(first.GetRawText(), second.GetRawText());

        var reused = await ServiceFixture.ScanAsync(Scanner("factory"), shipment, scanId, at.AddSeconds(1));
        var problem = await ServiceFixture.Expect(reused, HttpStatusCode.Conflict);
        Assert.EndsWith("/scan-id-reused", problem.GetProperty("type").GetString());

        var timeline = await ServiceFixture.Expect(await stations.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        Assert.Equal(2, timeline.GetArrayLength());
    }

    [Fact]
    public async Task Parallel_scans_for_the_same_leg_give_exactly_one_acceptance()
    {
        var shipment = await stations.Api.RegisterShipmentAsync("road-domestic");
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => ServiceFixture.ScanAsync(Scanner("factory"), shipment)));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created),
            r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var state = await ServiceFixture.Expect(await stations.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal(1, state.GetProperty("currentLeg").GetProperty("number").GetInt32());
    }

    [Theory]
    [InlineData("""{ "shipmentId": "X", "scannedAt": "2026-01-01T00:00:00Z" """, "invalid-request")]
    [InlineData("""{ "shipmentId": "ABC-1", "scannedAt": "2026-01-01T00:00:00Z" }""", "invalid-request")]
    [InlineData("""{ "scanId": "6f1c1f5e-2d5a-4f5e-9d1a-1a2b3c4d5e6f", "shipmentId": "ABC-1", "scannedAt": "2999-01-01T00:00:00Z" }""", "invalid-request")]
    [InlineData("""{ "scanId": "6f1c1f5e-2d5a-4f5e-9d1a-1a2b3c4d5e6f", "shipmentId": "123456789012345678", "scannedAt": "2026-01-01T00:00:00Z" }""", "invalid-request")]
    public async Task Malformed_or_incomplete_scans_are_400_problems(string json, string problemType)
    {
        var response = await Scanner("factory").PostAsync("/api/scans", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await ServiceFixture.Expect(response, HttpStatusCode.BadRequest);
        Assert.EndsWith("/" + problemType, problem.GetProperty("type").GetString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_shipment_is_404_and_duplicate_registration_is_409()
    {
        var missing = await ServiceFixture.ScanAsync(Scanner("factory"), "NO-SUCH-SHIPMENT");
        Assert.EndsWith("/not-found", (await ServiceFixture.Expect(missing, HttpStatusCode.NotFound)).GetProperty("type").GetString());

        var id = await stations.Api.RegisterShipmentAsync("road-domestic");
        var again = await stations.Admin.PostAsJsonAsync("/api/shipments", new { shipmentId = id, route = "road-domestic" });
        Assert.EndsWith("/shipment-exists", (await ServiceFixture.Expect(again, HttpStatusCode.Conflict)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Staff_list_filters_anomalies_and_pages()
    {
        var clean = await stations.Api.RegisterShipmentAsync("road-domestic");
        var troubled = await stations.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.ScanAsync(Scanner("destination"), troubled);

        var page = await ServiceFixture.Expect(await stations.Admin.GetAsync("/api/shipments?anomalies=true&pageSize=200"), HttpStatusCode.OK);
        var ids = page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("shipmentId").GetString()).ToArray();
        Assert.Contains(troubled, ids);
        Assert.DoesNotContain(clean, ids);

        var bad = await stations.Admin.GetAsync("/api/shipments?status=lost");
        Assert.Contains("in-transit", (await ServiceFixture.Expect(bad, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
    }
}
