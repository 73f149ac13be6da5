using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Shipments;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>Staff hear about anomalies, breaches and refused deliveries; a normal check-in raises nothing.</summary>
public sealed class AlertRulesSpecs
{
    private static readonly DateTimeOffset Now = ScannedAt.AddSeconds(5);

    [Fact]
    public void An_out_of_sequence_scan_raises_an_out_of_sequence_alert_saying_what_was_expected()
    {
        var anomaly = new OutOfSequenceScanRecorded(Reference, ScanId, "destination", "CONSIGNEE-DOCK-2", Scanner, 3,
            "Export customs", ["port"], "skips mandatory leg(s) before leg 7 (Delivered to the consignee); expected port",
            ScannedAt, ReceivedAt);

        var alert = Raised(anomaly);

        Assert.Equal(AlertTypes.OutOfSequence, alert.Type);
        Assert.Equal("out-of-sequence", alert.Type);
        Assert.Equal((Reference, Scanner, "CONSIGNEE-DOCK-2", Now), (alert.ShipmentId, alert.DeviceId, alert.StationId, alert.RaisedAt));
        Assert.Contains("Export customs", alert.Detail);
        Assert.Contains("expected next: port", alert.Detail);
        Assert.StartsWith(Alert.StreamPrefix, alert.AlertId);
    }

    [Fact]
    public void A_cold_chain_breach_raises_a_cold_chain_breach_alert_with_the_breach_detail()
    {
        var breach = ColdChainBreached();

        var alert = Raised(breach);

        Assert.Equal("cold-chain-breach", alert.Type);
        Assert.Equal((Reference, breach.Detail), (alert.ShipmentId, alert.Detail));
    }

    [Fact]
    public void A_refused_delivery_raises_a_delivery_refused_alert_at_the_destination()
    {
        var refused = RefusedAt("DESTINATION-7");

        var alert = Raised(refused);

        Assert.Equal("delivery-refused", alert.Type);
        Assert.Equal((Reference, "DESTINATION-7", Scanner, refused.Reason),
            (alert.ShipmentId, alert.StationId, alert.DeviceId, alert.Detail));
    }

    [Fact]
    public void An_overdue_check_in_raises_a_check_in_overdue_alert_naming_the_leg_and_since_when()
    {
        var due = ScannedAt.AddHours(16);
        var overdue = new CheckInOverdue(Reference, 4, "Last-mile truck", ["cross-dock", "truck"], ScannedAt, due, due.AddSeconds(20));

        var alert = Raised(overdue);

        Assert.Equal(("check-in-overdue", Reference, (string?)null, (string?)null), (alert.Type, alert.ShipmentId, alert.DeviceId, alert.StationId));
        Assert.Contains("leg 4 (Last-mile truck)", alert.Title);
        Assert.Contains($"cross-dock or truck station by {due:u}", alert.Detail);
        Assert.Contains(AlertTypes.CheckInOverdue, AlertTypes.All);
    }

    [Fact]
    public void The_alert_is_the_stream_its_id_names()
    {
        var alert = AlertRules.For(ColdChainBreached(), "alert-7", Now);

        Assert.Equal("alert-7", alert?.AlertId);
    }

    [Fact]
    public void Only_the_alerting_fact_types_raise_alerts()
    {
        Assert.Equal(
            [typeof(CheckInOverdue), typeof(ColdChainBreached), typeof(DeliveryRefused), typeof(ImpossibleTravelDetected), typeof(OutOfSequenceScanRecorded)],
            AlertRules.Alerting.OrderBy(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(OrdinaryFacts))]
    public void Ordinary_progress_raises_no_alert(object fact) => Assert.Null(AlertRules.For((IShipmentFact)fact, "alert-1", Now));

    public static TheoryData<object> OrdinaryFacts() =>
    [
        Registered("ocean-reefer"),
        CheckedIn("ocean-reefer", 1),
        DeliveredAt("DESTINATION-7"),
        ReturnCheckedIn("truck", "TRUCK-9"),
        DeliveryReleased(),
    ];

    private static AlertRaised Raised(object fact)
    {
        var alert = AlertRules.For((IShipmentFact)fact, Alert.StreamPrefix + "1", Now);
        Assert.NotNull(alert);
        return alert;
    }
}
