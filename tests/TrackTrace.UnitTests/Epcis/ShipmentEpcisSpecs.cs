using System.Text.Json;
using System.Text.Json.Nodes;
using TrackTrace.Domain.Epcis;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.UnitTests.Epcis;

public sealed class ShipmentEpcisSpecs
{
    private const string Sscc = "040123450000003338";
    private static readonly DateTimeOffset At = new(2026, 11, 30, 7, 15, 0, TimeSpan.FromHours(1));
    private static readonly ShipmentEpcis.Setting AtGln = new("0614141007776", 7);

    private static StationCheckedIn CheckIn(int leg, double? celsius = null) =>
        new(Sscc, Guid.NewGuid(), leg, $"leg {leg}", "truck", "NL-TRUCK-1", "scanner-1", At, At.AddSeconds(2), celsius);

    private static JsonObject Event(object fact, ShipmentEpcis.Setting? setting = null) =>
        JsonNode.Parse(ShipmentEpcis.ToEpcis(Guid.NewGuid(), fact, setting ?? AtGln, At.AddSeconds(3))!.Event.Body)!.AsObject();

    private static string? Field(JsonObject e, string path) =>
        path.Split('.').Aggregate((JsonNode?)e, (node, name) => node?[name])?.GetValue<string>();

    [Theory]
    [InlineData(1, "departing", "in_transit")]
    [InlineData(3, "arriving", "in_transit")]
    [InlineData(7, "receiving", "in_progress")]
    public void A_check_in_is_an_observation_whose_business_step_follows_the_leg(int leg, string step, string disposition)
    {
        var e = Event(CheckIn(leg));

        Assert.Equal(("ObjectEvent", "OBSERVE", step, disposition), (Field(e, "type"), Field(e, "action"), Field(e, "bizStep"), Field(e, "disposition")));
        Assert.Equal("https://id.gs1.org/414/0614141007776", Field(e, "readPoint.id"));
        Assert.Equal(step == "departing" ? null : "https://id.gs1.org/414/0614141007776", Field(e, "bizLocation.id"));
        Assert.Equal($"https://id.gs1.org/00/{Sscc}", e["epcList"]![0]!.GetValue<string>());
        Assert.Equal("2026-11-30T07:15:00.000+01:00", Field(e, "eventTime"));
        Assert.Equal("+01:00", Field(e, "eventTimeZoneOffset"));
    }

    [Fact]
    public void Without_a_GLN_or_an_SSCC_the_station_and_shipment_get_TrackTrace_URNs()
    {
        var fact = CheckIn(2) with { ShipmentId = "SHIP-0001" };

        var e = Event(fact, new ShipmentEpcis.Setting(null, 7));

        Assert.Equal("urn:tracktrace:station:NL-TRUCK-1", Field(e, "readPoint.id"));
        Assert.Equal("urn:tracktrace:shipment:SHIP-0001", e["epcList"]![0]!.GetValue<string>());
    }

    [Fact]
    public void A_refused_delivery_sets_non_conformant_until_a_release_unsets_it()
    {
        var refused = Event(new DeliveryRefused(Sscc, Guid.NewGuid(), "SG-DC-1", "scanner-9", "cold chain breached", At));
        var released = Event(new DeliveryReleased(Sscc, "admin", "checked by QA", At.AddHours(2)));

        Assert.Equal("non_conformant", refused["persistentDisposition"]!["set"]![0]!.GetValue<string>());
        Assert.Equal("non_conformant", Field(refused, "disposition"));
        Assert.Equal("non_conformant", released["persistentDisposition"]!["unset"]![0]!.GetValue<string>());
        Assert.Null(released["readPoint"]);
    }

    [Fact]
    public void A_scans_temperature_is_a_sensor_report()
    {
        var e = Event(CheckIn(2, celsius: 4.5));

        var report = e["sensorElementList"]![0]!["sensorReport"]![0]!;
        Assert.Equal(("Temperature", 4.5, "CEL"), (report["type"]!.GetValue<string>(), report["value"]!.GetValue<double>(), report["uom"]!.GetValue<string>()));
    }

    [Fact]
    public void The_event_id_is_the_facts_id_so_a_second_write_is_the_same_event()
    {
        var id = Guid.NewGuid();
        var fact = CheckIn(2);

        var first = ShipmentEpcis.ToEpcis(id, fact, AtGln, At)!.Event;
        var second = ShipmentEpcis.ToEpcis(id, fact, AtGln, At)!.Event;

        Assert.Equal($"urn:uuid:{id}", first.Indexed.EventId);
        Assert.Equal(first.Body, second.Body);
    }

    [Fact]
    public void Every_mapped_fact_exports_as_a_schema_valid_query_document()
    {
        var facts = new object[]
        {
            CheckIn(1, 4.2), CheckIn(4), CheckIn(7),
            new OutOfSequenceScanRecorded(Sscc, Guid.NewGuid(), "port", "NLRTM-PORT", "scanner-2", 2, "truck", ["customs"], "skipped export customs", At, At),
            new DeliveryRefused(Sscc, Guid.NewGuid(), "SG-DC-1", "scanner-9", "cold chain breached", At),
            new DeliveryReleased(Sscc, "admin", "checked by QA", At),
            new ReturnCheckedIn(Sscc, Guid.NewGuid(), "truck", "NL-TRUCK-1", "scanner-1", At, At, 6.0),
        };
        var stored = facts.Select(f => ShipmentEpcis.ToEpcis(Guid.NewGuid(), f, AtGln, At)!)
            .Select(e => new StoredEvent(e.Event.Body, e.Context)).ToArray();

        var answer = QueryDocument.Compose(stored, At);

        var errors = EpcisSchema.Validate(JsonDocument.Parse(answer.ToJsonString()).RootElement);
        Assert.True(errors.Count == 0, string.Join("; ", errors));
        Assert.Null(ShipmentEpcis.ToEpcis(Guid.NewGuid(), new ShipmentDelivered(Sscc, Guid.NewGuid(), "SG-DC-1", "s", At), AtGln, At));
    }
}
