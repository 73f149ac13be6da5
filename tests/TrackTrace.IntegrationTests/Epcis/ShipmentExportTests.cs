using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrackTrace.Domain.Epcis;
using TrackTrace.IntegrationTests.Infrastructure;
using static TrackTrace.IntegrationTests.Infrastructure.ServiceFixture;

namespace TrackTrace.IntegrationTests.Epcis;

/// <summary>Shipment facts recorded through /api become EPCIS events a partner can query.</summary>
public sealed class ShipmentExportTests(EpcisService setup) : IClassFixture<EpcisService>
{
    private async Task<string> StationAsync(string type, string? gln)
    {
        var id = NewId(type);
        await Expect(await setup.Admin.PostAsJsonAsync("/api/stations", new { stationId = id, type, name = id, gln }), HttpStatusCode.Created);
        return id;
    }

    private static string NewSscc()
    {
        var digits = "0" + "4012345" + Random.Shared.NextInt64(0, 1_000_000_000).ToString("D9");
        return digits + ShipmentIdCheckDigit(digits);
    }

    private static char ShipmentIdCheckDigit(string digits) =>
        (char)('0' + TrackTrace.Domain.Shipments.ShipmentId.Gs1CheckDigit(digits));

    private async Task<JsonArray> EventsOfAsync(string sscc, int atLeast) =>
        await Eventually(async () =>
        {
            var events = await setup.EventsAsync($"/epcis/events?MATCH_anyEPC={EpcisService.Q($"https://id.gs1.org/00/{sscc}")}&orderBy=eventTime&orderDirection=ASC&perPage=100");
            return events.Count >= atLeast ? events : null;
        }, TimeSpan.FromSeconds(30), $"{atLeast} EPCIS events of {sscc}");

    [Fact]
    public async Task A_journey_is_a_departure_arrivals_a_refusal_and_a_release_in_EPCIS()
    {
        // Ocean reefer: factory (with a GLN), truck, export customs, port, import customs, truck, destination (with a GLN).
        var stations = new Dictionary<string, HttpClient>();
        var ids = new Dictionary<string, string>();
        foreach (var (key, type, gln) in new[]
                 {
                     ("factory", "factory", "4012345000115"), ("truck", "truck", null), ("customs", "customs", null),
                     ("port", "port", null), ("destination", "destination", "0614141007776"),
                 })
        {
            ids[key] = await StationAsync(type, gln);
            stations[key] = setup.Service.Client(await setup.Api.EnrollAsync("scanner", ids[key]));
        }

        var sscc = NewSscc();
        await setup.Api.RegisterShipmentAsync("ocean-reefer", sscc);
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        foreach (var (key, minute) in new[] { ("factory", 0), ("truck", 1), ("customs", 2), ("port", 3), ("customs", 4), ("truck", 5) })
        {
            await Expect(await ScanAsync(stations[key], sscc, at: start.AddMinutes(minute)), HttpStatusCode.Created);
        }

        // A reading past the hard limit breaches the cold chain at once: the destination refuses, an admin releases.
        var sensorId = NewId("sensor").ToLowerInvariant();
        var sensor = setup.Service.Client(await setup.Api.EnrollAsync("sensor", deviceId: sensorId));
        await Expect(await setup.Admin.PostAsJsonAsync($"/api/shipments/{sscc}/sensors", new { deviceId = sensorId }), HttpStatusCode.OK);
        await Expect(await sensor.PostAsJsonAsync($"/api/shipments/{sscc}/temperature-readings",
            new { readings = new[] { new { at = start.AddMinutes(6), celsius = 21.0 } } }), HttpStatusCode.OK);
        await Expect(await ScanAsync(stations["destination"], sscc, at: start.AddMinutes(7)), HttpStatusCode.Conflict);
        await Expect(await setup.Admin.PostAsJsonAsync($"/api/shipments/{sscc}/release", new { reason = "QA checked the load" }), HttpStatusCode.OK);
        await Expect(await ScanAsync(stations["destination"], sscc), HttpStatusCode.Created);

        var events = await EventsOfAsync(sscc, 9);

        string Step(int i) => events[i]!["bizStep"]!.GetValue<string>();
        Assert.Equal(["departing", "arriving", "arriving", "arriving", "arriving", "arriving", "inspecting", "inspecting", "receiving"],
            events.Select(e => e!["bizStep"]!.GetValue<string>()));
        Assert.Equal("https://id.gs1.org/414/4012345000115", events[0]!["readPoint"]!["id"]!.GetValue<string>());
        Assert.Null(events[0]!["bizLocation"]);
        Assert.Equal($"urn:tracktrace:station:{ids["truck"]}", events[1]!["bizLocation"]!["id"]!.GetValue<string>());
        Assert.Equal("non_conformant", events[6]!["persistentDisposition"]!["set"]![0]!.GetValue<string>());
        Assert.Equal("https://id.gs1.org/414/0614141007776", events[6]!["bizLocation"]!["id"]!.GetValue<string>());
        Assert.Equal("non_conformant", events[7]!["persistentDisposition"]!["unset"]![0]!.GetValue<string>());
        Assert.Equal("receiving", Step(8));
        Assert.All(events, e => Assert.Equal($"https://id.gs1.org/00/{sscc}", e!["epcList"]![0]!.GetValue<string>()));

        // The same facts through the other spelling and the other resources, and the export is valid EPCIS.
        var refused = await setup.EventsAsync($"/epcis/events?EQ_persistentDisposition_set=non_conformant&MATCH_epc=urn:epc:id:sscc:4012345.{sscc[0]}{sscc[8..17]}");
        Assert.Single(refused);
        var atDestination = await setup.EventsAsync("/epcis/bizLocations/0614141007776/events?perPage=1000");
        Assert.Contains(atDestination, e => e!["eventID"]!.GetValue<string>() == events[8]!["eventID"]!.GetValue<string>());
        var (document, _) = await setup.QueryAsync($"/epcis/epcs/{EpcisService.Q($"https://id.gs1.org/00/{sscc}")}/events?perPage=100");
        var errors = EpcisSchema.Validate(JsonDocument.Parse(document.ToJsonString()).RootElement);
        Assert.True(errors.Count == 0, string.Join("; ", errors));
        Assert.Contains(document["@context"]!.AsArray().OfType<JsonObject>(), c => c["tt"]?.GetValue<string>() == ShipmentEpcis.Namespace);
    }

    [Fact]
    public async Task An_out_of_sequence_scan_is_an_arrival_marked_out_of_sequence()
    {
        var factory = await StationAsync("factory", null);
        var port = await StationAsync("port", null);
        var factoryScanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", factory));
        var portScanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", port));
        var sscc = NewSscc();
        await setup.Api.RegisterShipmentAsync("ocean-reefer", sscc);

        await Expect(await ScanAsync(factoryScanner, sscc, at: DateTimeOffset.UtcNow.AddMinutes(-2)), HttpStatusCode.Created);
        await Expect(await ScanAsync(portScanner, sscc), HttpStatusCode.Conflict);

        var events = await EventsOfAsync(sscc, 2);
        Assert.Equal("out-of-sequence", events[1]!["tt:sequence"]!.GetValue<string>());
        Assert.Equal("arriving", events[1]!["bizStep"]!.GetValue<string>());
        Assert.Equal($"urn:tracktrace:station:{port}", events[1]!["readPoint"]!["id"]!.GetValue<string>());
    }
}
