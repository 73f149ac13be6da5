using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrackTrace.Domain.Shipments;
using TrackTrace.IntegrationTests.Infrastructure;
using static TrackTrace.IntegrationTests.Epcis.EpcisService;

namespace TrackTrace.IntegrationTests.Epcis;

/// <summary>
/// EPCIS events that name a registered shipment at a registered station are check-ins of the device
/// that captured them, judged like POST /api/scans, and only within that device's authority; a
/// sensor's temperature reports feed the cold chain of the shipments it is attached to.
/// </summary>
public sealed class EpcisTrustGateTests(EpcisTrustGateTests.Network setup) : IClassFixture<EpcisTrustGateTests.Network>
{
    private const string CompanyPrefix = "8712345";

    /// <summary>Stations with GLNs along road-domestic and ocean-reefer, their scanners, a partner and staff.</summary>
    public sealed class Network : EpcisService
    {
        public Dictionary<string, (string Id, string Gln, HttpClient Scanner)> Stations { get; } = new();
        public HttpClient Partner { get; private set; } = null!;
        public string PartnerId { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var location = 1;
            foreach (var type in new[] { "factory", "truck", "customs", "port", "destination" })
            {
                var id = NewId(type);
                var gln = Gln(location++);
                await Expect(await Admin.PostAsJsonAsync("/api/stations", new { stationId = id, type, name = id, gln }), HttpStatusCode.Created);
                Stations[type] = (id, gln, Service.Client(await Api.EnrollAsync("scanner", id)));
            }

            PartnerId = NewId("partner").ToLowerInvariant();
            Partner = Service.Client(await Api.EnrollAsync("partner", deviceId: PartnerId,
                attributes: new() { ["stations"] = $"{Stations["factory"].Id},{Stations["truck"].Id}" }));
        }

        public async Task<string> ShipmentAsync(string route)
        {
            var sscc = Sscc();
            await Api.RegisterShipmentAsync(route, sscc);
            return sscc;
        }
    }

    private static string Gln(int location)
    {
        var data = CompanyPrefix + location.ToString("D5");
        return data + ShipmentId.Gs1CheckDigit(data);
    }

    private static string Sscc()
    {
        var data = "0" + CompanyPrefix + Random.Shared.Next(0, 1_000_000_000).ToString("D9");
        return data + ShipmentId.Gs1CheckDigit(data);
    }

    private static string SsccUrn(string sscc) => $"urn:epc:id:sscc:{CompanyPrefix}.{sscc[0]}{sscc[8..17]}";

    private static string SglnUrn(string gln) => $"urn:epc:id:sgln:{CompanyPrefix}.{gln[7..12]}.0";

    private static JsonObject Event(string epc, string gln, DateTimeOffset? at = null, JsonArray? sensorElements = null, bool urn = false)
    {
        var e = new JsonObject
        {
            ["type"] = "ObjectEvent",
            ["eventID"] = $"urn:uuid:{Guid.NewGuid()}",
            ["eventTime"] = (at ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["eventTimeZoneOffset"] = "+00:00",
            ["epcList"] = new JsonArray(urn ? SsccUrn(epc) : $"https://id.gs1.org/00/{epc}"),
            ["action"] = "OBSERVE",
            ["bizStep"] = "arriving",
            ["readPoint"] = new JsonObject { ["id"] = urn ? SglnUrn(gln) : $"https://id.gs1.org/414/{gln}" },
            ["bizLocation"] = new JsonObject { ["id"] = urn ? SglnUrn(gln) : $"https://id.gs1.org/414/{gln}" },
        };
        if (sensorElements is not null)
        {
            e["sensorElementList"] = sensorElements;
        }

        return e;
    }

    private static JsonObject WithContext(JsonObject e)
    {
        e["@context"] = new JsonArray("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld");
        return e;
    }

    private static string Document(params JsonObject[] events) => new JsonObject
    {
        ["@context"] = new JsonArray("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"),
        ["type"] = "EPCISDocument",
        ["schemaVersion"] = "2.0",
        ["creationDate"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        ["epcisBody"] = new JsonObject { ["eventList"] = new JsonArray(events.Cast<JsonNode>().ToArray()) },
    }.ToJsonString();

    private static JsonElement[] Outcomes(JsonElement job) => job.GetProperty("events").EnumerateArray().ToArray();

    private async Task<JsonElement[]> TimelineAsync(string shipment) =>
        (await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK)).EnumerateArray().ToArray();

    [Fact]
    public async Task A_scanners_events_at_its_station_are_its_check_ins_judged_like_scans_in_either_spelling()
    {
        var shipment = await setup.ShipmentAsync("road-domestic");
        var factory = setup.Stations["factory"];
        var truck = setup.Stations["truck"];
        var destination = setup.Stations["destination"];

        var first = await setup.CaptureAndWaitAsync(Document(Event(shipment, factory.Gln)), client: factory.Scanner);
        Assert.True(first.GetProperty("success").GetBoolean(), first.GetRawText());
        var outcome = Assert.Single(Outcomes(first));
        Assert.Equal(("checked-in", shipment), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("shipmentId").GetString()));

        // The destination four legs early: recorded as an anomaly with an alert, like a scan would be.
        var early = await setup.CaptureAndWaitAsync(Document(Event(shipment, destination.Gln, urn: true)), client: destination.Scanner);
        Assert.Equal("out-of-sequence", Assert.Single(Outcomes(early)).GetProperty("outcome").GetString());
        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        Assert.Equal("out-of-sequence", Assert.Single(alerts.GetProperty("items").EnumerateArray()).GetProperty("type").GetString());

        // The URN spelling of the same SSCC and SGLN is the same shipment and station.
        var onward = await setup.CaptureAndWaitAsync(Document(Event(shipment, truck.Gln, urn: true)), client: truck.Scanner);
        Assert.Equal("checked-in", Assert.Single(Outcomes(onward)).GetProperty("outcome").GetString());

        var timeline = await TimelineAsync(shipment);
        Assert.Equal(["shipment-registered", "station-checked-in", "out-of-sequence-scan-recorded", "station-checked-in"],
            timeline.Select(t => t.GetProperty("fact").GetString()));
        var view = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal(2, view.GetProperty("currentLeg").GetProperty("number").GetInt32());
        Assert.Equal(truck.Id, view.GetProperty("lastStationId").GetString());
    }

    [Fact]
    public async Task A_scanner_capturing_for_another_station_is_refused_whole_under_rollback_and_per_event_under_proceed()
    {
        var shipment = await setup.ShipmentAsync("road-domestic");
        var factory = setup.Stations["factory"];
        var truck = setup.Stations["truck"];
        var own = Event(shipment, factory.Gln);
        var foreign = Event(shipment, truck.Gln);

        var refused = await ServiceFixture.Expect(await CaptureAsync(factory.Scanner, Document(own, foreign)), HttpStatusCode.Forbidden);
        Assert.Contains(truck.Id, refused.GetProperty("detail").GetString());
        Assert.Empty(await setup.EventsAsync($"/epcis/events?MATCH_epc={Q($"https://id.gs1.org/00/{shipment}")}"));
        Assert.Single(await TimelineAsync(shipment));

        var proceeded = await setup.CaptureAndWaitAsync(Document(Event(shipment, factory.Gln), Event(shipment, truck.Gln)), "proceed",
            factory.Scanner);
        Assert.Equal(["checked-in", "refused"], Outcomes(proceeded).Select(o => o.GetProperty("outcome").GetString()));
        Assert.Single(await setup.EventsAsync($"/epcis/events?MATCH_epc={Q($"https://id.gs1.org/00/{shipment}")}"));
        Assert.Equal(2, (await TimelineAsync(shipment)).Length);

        var single = await ServiceFixture.Expect(await factory.Scanner.PostAsync("/epcis/events", EpcisService.Json(WithContext(Event(shipment, truck.Gln)).ToJsonString())),
            HttpStatusCode.Forbidden);
        Assert.Contains("captures only for", single.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_partner_captures_for_the_stations_it_serves_and_reads_only_what_concerns_it()
    {
        var shipment = await setup.ShipmentAsync("road-domestic");
        var job = await setup.CaptureAndWaitAsync(Document(Event(shipment, setup.Stations["factory"].Gln), Event(shipment, setup.Stations["truck"].Gln)),
            client: setup.Partner);
        Assert.Equal(["checked-in", "checked-in"], Outcomes(job).Select(o => o.GetProperty("outcome").GetString()));
        Assert.All((await TimelineAsync(shipment)).Skip(1), t => Assert.Equal(setup.PartnerId, t.GetProperty("who").GetString()));

        await ServiceFixture.Expect(await CaptureAsync(setup.Partner, Document(Event(shipment, setup.Stations["destination"].Gln))),
            HttpStatusCode.Forbidden);

        // What happened elsewhere (the destination scanner's anomaly at another shipment) is not the partner's to read.
        var other = await setup.ShipmentAsync("road-domestic");
        await setup.CaptureAndWaitAsync(Document(Event(other, setup.Stations["destination"].Gln)), client: setup.Stations["destination"].Scanner);
        // Its own two events (and TrackTrace's export of the check-ins they made, at the same stations).
        var mine = await ServiceFixture.Expect(await setup.Partner.GetAsync($"/epcis/events?MATCH_epc={Q($"https://id.gs1.org/00/{shipment}")}"), HttpStatusCode.OK);
        var ids = mine.GetProperty("epcisBody").GetProperty("queryResults").GetProperty("resultsBody").GetProperty("eventList")
            .EnumerateArray().Select(e => e.GetProperty("eventID").GetString()).ToArray();
        Assert.Subset(ids.ToHashSet(), Outcomes(job).Select(o => o.GetProperty("eventID").GetString()).ToHashSet());
        var theirs = await ServiceFixture.Expect(await setup.Partner.GetAsync($"/epcis/events?MATCH_epc={Q($"https://id.gs1.org/00/{other}")}"), HttpStatusCode.OK);
        Assert.Equal(0, theirs.GetProperty("epcisBody").GetProperty("queryResults").GetProperty("resultsBody").GetProperty("eventList").GetArrayLength());
    }

    [Fact]
    public async Task An_attached_sensors_temperature_reports_feed_the_cold_chain_in_celsius_with_their_alarm_and_can_refuse_the_delivery()
    {
        var shipment = await setup.ShipmentAsync("ocean-reefer");
        var sensorId = ServiceFixture.NewId("sensor").ToLowerInvariant();
        using var sensor = setup.Service.Client(await setup.Api.EnrollAsync("sensor", deviceId: sensorId));
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/shipments/{shipment}/sensors", new { deviceId = sensorId }), HttpStatusCode.OK);
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);

        // 41 °F is 5 °C; 68 °F is 20 °C, beyond the route's 15 °C hard limit, and the sensor said so itself.
        JsonArray Reports(double fahrenheit, DateTimeOffset at, string? exception = null)
        {
            var report = new JsonObject { ["type"] = "gs1:Temperature", ["value"] = fahrenheit, ["uom"] = "FAH", ["time"] = at.ToString("yyyy-MM-ddTHH:mm:ssZ") };
            if (exception is not null)
            {
                report["exception"] = exception;
            }

            return new JsonArray(new JsonObject { ["sensorMetadata"] = new JsonObject { ["time"] = at.ToString("yyyy-MM-ddTHH:mm:ssZ") }, ["sensorReport"] = new JsonArray(report) });
        }

        var job = await setup.CaptureAndWaitAsync(Document(
            Event(shipment, setup.Stations["port"].Gln, start, Reports(41, start)),
            Event(shipment, setup.Stations["port"].Gln, start.AddMinutes(5), Reports(68, start.AddMinutes(5), "ALARM_CONDITION"))), client: sensor);
        Assert.Equal(["stored", "cold-chain-breached"], Outcomes(job).Select(o => o.GetProperty("outcome").GetString()));

        var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
        Assert.Equal([5.0, 20.0], readings.EnumerateArray().Select(r => Math.Round(r.GetProperty("celsius").GetDouble(), 6)));
        Assert.Equal("ALARM_CONDITION", readings[1].GetProperty("exception").GetString());
        var state = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal("refused", state.GetProperty("attributes").GetProperty("delivery").GetString());

        // A sensor's events are no check-ins, and another sensor's reports do not count.
        Assert.Equal(0, state.GetProperty("currentLeg").GetProperty("number").GetInt32());
        var stranger = setup.Service.Client(await setup.Api.EnrollAsync("sensor"));
        var ignored = await setup.CaptureAndWaitAsync(Document(Event(shipment, setup.Stations["port"].Gln, start.AddMinutes(6), Reports(100, start.AddMinutes(6)))),
            client: stranger);
        Assert.Equal("stored", Assert.Single(Outcomes(ignored)).GetProperty("outcome").GetString());
        Assert.Equal(2, (await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK)).GetArrayLength());
    }

    [Fact]
    public async Task A_scanners_temperature_counts_at_its_accepted_check_in_only()
    {
        var shipment = await setup.ShipmentAsync("ocean-reefer");
        JsonArray Celsius(double value) => new(new JsonObject
        {
            ["sensorReport"] = new JsonArray(new JsonObject { ["type"] = "Temperature", ["value"] = value, ["uom"] = "CEL" }),
        });

        await setup.CaptureAndWaitAsync(Document(Event(shipment, setup.Stations["factory"].Gln, sensorElements: Celsius(4.5))),
            client: setup.Stations["factory"].Scanner);
        // The destination is far from next: its 99 °C is kept in its event, not in the cold chain.
        await setup.CaptureAndWaitAsync(Document(Event(shipment, setup.Stations["destination"].Gln, sensorElements: Celsius(99))),
            client: setup.Stations["destination"].Scanner);

        var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
        Assert.Equal(4.5, Assert.Single(readings.EnumerateArray()).GetProperty("celsius").GetDouble());
        var state = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal("accepted", state.GetProperty("attributes").GetProperty("delivery").GetString());
    }

    [Fact]
    public async Task A_check_in_event_older_than_the_maximum_event_age_is_refused_like_a_scan()
    {
        var shipment = await setup.ShipmentAsync("road-domestic");
        var factory = setup.Stations["factory"];
        var job = await setup.CaptureAndWaitAsync(Document(Event(shipment, factory.Gln, DateTimeOffset.UtcNow.AddDays(-40))), client: factory.Scanner);

        Assert.False(job.GetProperty("success").GetBoolean());
        Assert.Single(await TimelineAsync(shipment));
    }
}
