using TrackTrace.Domain.Shipments;
using TrackTrace.UnitTests.Routes;
using static TrackTrace.Domain.Shipments.CheckInOutcome;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// A scan at a station the route does not allow next is recorded as an anomaly, says why and what
/// was expected, and does not move the shipment.
/// </summary>
public sealed class OutOfSequenceSpecs
{
    private const string OceanReefer = "ocean-reefer";
    private const string RoadDomestic = "road-domestic";
    private const string RoadCrossdock = "road-crossdock";

    [Fact]
    public void A_station_type_the_route_never_visits_is_out_of_sequence()
    {
        var decided = Spec.On(RoadDomestic)
            .Given(Journey(RoadDomestic, through: 1))
            .When(ScanAt("airport", "NLAMS-CARGO"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal("a 'airport' station is not on route road-domestic; expected truck", decided.Decision.Reason);
    }

    [Fact]
    public void The_anomaly_records_the_scan_the_current_leg_and_the_station_types_expected()
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 3))
            .When(ScanAt("destination", "CONSIGNEE-DOCK-2"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));
        var anomaly = decided.Event<OutOfSequenceScanRecorded>();

        Assert.Equal((3, "Export customs"), (anomaly.CurrentLegNumber, anomaly.CurrentLegName));
        Assert.Equal(["port"], anomaly.ExpectedStationTypes);
        Assert.Equal(
            (Reference, ScanId, "destination", "CONSIGNEE-DOCK-2", Scanner, ScannedAt, ReceivedAt),
            (anomaly.ShipmentId, anomaly.ScanId, anomaly.StationType, anomaly.StationId, anomaly.DeviceId, anomaly.ScannedAt,
                anomaly.ReceivedAt));
        Assert.Equal(decided.Decision.Reason, anomaly.Reason);
        Assert.Null(decided.Decision.Leg);
        Assert.Equal([4], decided.Decision.NextExpected.Select(leg => leg.Number));
    }

    [Fact]
    public void Before_the_first_check_in_the_current_leg_is_registered_and_the_factory_is_expected()
    {
        var anomaly = Spec.On(OceanReefer)
            .Given(Registered(OceanReefer))
            .When(ScanAt("truck"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded))
            .Event<OutOfSequenceScanRecorded>();

        Assert.Equal((0, "registered"), (anomaly.CurrentLegNumber, anomaly.CurrentLegName));
        Assert.Equal(["factory"], anomaly.ExpectedStationTypes);
    }

    [Fact]
    public void Skipping_a_mandatory_leg_is_out_of_sequence_and_names_the_leg_skipped_to()
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 2))
            .When(ScanAt("port"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal("skips mandatory leg(s) before leg 4 (Port of loading, on the ship); expected customs", decided.Decision.Reason);
    }

    [Fact]
    public void An_optional_leg_does_not_excuse_skipping_the_mandatory_one_after_it()
    {
        var decided = Spec.On(RoadCrossdock)
            .Given(Journey(RoadCrossdock, through: 2))
            .When(ScanAt("destination"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal("skips mandatory leg(s) before leg 5 (Delivered to the consignee); expected cross-dock or truck", decided.Decision.Reason);
        Assert.Equal(["cross-dock", "truck"], decided.Event<OutOfSequenceScanRecorded>().ExpectedStationTypes);
        Assert.Equal([3, 4], decided.Decision.NextExpected.Select(leg => leg.Number));
    }

    [Fact]
    public void Going_back_to_a_station_type_already_done_is_out_of_sequence()
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 3))
            .When(ScanAt("factory"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal("going backwards: a 'factory' leg is already done; expected port", decided.Decision.Reason);
    }

    [Fact]
    public void Scanning_the_leg_just_completed_again_is_going_backwards()
    {
        var decided = Spec.On(RoadDomestic)
            .Given(Journey(RoadDomestic, through: 2))
            .When(ScanAt("truck", "TRUCK-2"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal("going backwards: a 'truck' leg is already done; expected destination", decided.Decision.Reason);
    }

    [Theory]
    [InlineData(RoadDomestic, "destination")]
    [InlineData(RoadDomestic, "truck")]
    [InlineData(RoadDomestic, "factory")]
    [InlineData(RoadCrossdock, "cross-dock")]
    [InlineData(OceanReefer, "destination")]
    [InlineData(OceanReefer, "customs")]
    [InlineData(OceanReefer, "airport")]
    public void Any_scan_after_delivery_is_out_of_sequence_because_the_shipment_is_already_delivered(string routeId, string stationType)
    {
        var legs = Workflow(routeId).Route.Legs.Count;
        var decided = Spec.On(routeId)
            .Given(Journey(routeId, through: legs), DeliveredAt(StationAt("destination", legs)))
            .When(ScanAt(stationType))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal("the shipment is already delivered", decided.Decision.Reason);
        Assert.Empty(decided.Decision.NextExpected);
        Assert.Empty(decided.Event<OutOfSequenceScanRecorded>().ExpectedStationTypes);
        Assert.Equal(ShipmentStatus.Delivered, decided.State.Status);
    }

    [Fact]
    public void An_anomaly_does_not_move_the_shipment_it_only_counts()
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 2))
            .When(ScanAt("destination", "CONSIGNEE-DOCK-2"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal(
            (ShipmentStatus.InTransit, 2, "Pre-carriage to the port", "TRUCK-2", 1),
            (decided.State.Status, decided.State.Progress, decided.State.CurrentLegName, decided.State.LastStationId,
                decided.State.AnomalyCount));
    }

    [Fact]
    public void Every_anomaly_adds_to_the_count()
    {
        var first = Spec.On(RoadDomestic)
            .Given(Journey(RoadDomestic, through: 1))
            .When(ScanAt("factory"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        var second = Spec.On(RoadDomestic)
            .Given(Journey(RoadDomestic, through: 1), first.Event<OutOfSequenceScanRecorded>())
            .When(ScanAt("airport"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal((1, 2), (second.State.Progress, second.State.AnomalyCount));
    }

    [Fact]
    public void A_station_the_next_leg_does_not_list_is_out_of_sequence_though_its_type_is_right()
    {
        using var workflows = new ScratchWorkflows().With("rotterdam-export.yaml", """
            id: rotterdam-export
            legs:
              - type: factory
              - type: customs
                name: Export customs
                stations: [NLRTM-CUSTOMS-EXP]
              - type: destination
            """);
        var catalog = TrackTrace.Domain.Routes.RouteCatalog.Load(workflows.Directory);

        var decided = Spec.On(catalog.Get("rotterdam-export"))
            .Given(Registered("rotterdam-export"), new StationCheckedIn(Reference, ScanId, 1, "factory", "factory",
                "FACTORY-1", Scanner, ScannedAt, ReceivedAt, null))
            .When(ScanAt("customs", "DEHAM-CUSTOMS-EXP"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded));

        Assert.Equal("station DEHAM-CUSTOMS-EXP may not serve the next 'customs' leg", decided.Decision.Reason);
        Assert.Equal(1, decided.State.Progress);
    }
}
