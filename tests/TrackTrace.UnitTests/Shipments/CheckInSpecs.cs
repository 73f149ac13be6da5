using TrackTrace.Domain.Shipments;
using static TrackTrace.Domain.Shipments.CheckInOutcome;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// A check-in is accepted at the next allowed station of the shipment's route, and the check-in at
/// the last leg is the delivery.
/// </summary>
public sealed class CheckInSpecs
{
    private const string OceanReefer = "ocean-reefer";
    private const string RoadDomestic = "road-domestic";
    private const string RoadCrossdock = "road-crossdock";

    [Fact]
    public void Registering_records_who_registered_which_shipment_on_which_route_and_when() =>
        Assert.Equal(
            new ShipmentRegistered("ACME-PO-4711", "ocean-reefer", "12 pallets of vaccine", "ADMIN-1", RegisteredAt),
            ShipmentDecider.Register(new RegisterShipment("ACME-PO-4711", "ocean-reefer", "12 pallets of vaccine", "ADMIN-1", RegisteredAt)));

    [Theory]
    [InlineData(OceanReefer, new[] { "factory", "truck", "customs", "port", "customs", "truck", "destination" })]
    [InlineData(RoadDomestic, new[] { "factory", "truck", "destination" })]
    [InlineData(RoadCrossdock, new[] { "factory", "truck", "cross-dock", "truck", "destination" })]
    public void Every_leg_of_a_shipped_route_is_accepted_in_turn_and_the_last_one_delivers(string routeId, string[] stations)
    {
        var last = stations.Length;
        for (var leg = 1; leg < last; leg++)
        {
            var stationId = StationAt(stations[leg - 1], leg);
            var step = Spec.On(routeId)
                .Given(Journey(routeId, through: leg - 1))
                .When(ScanAt(stations[leg - 1], stationId))
                .Then(Accepted, CheckedIn(routeId, leg));

            Assert.Equal(leg, step.Decision.Leg?.Number);
            Assert.Equal(leg + 1, step.Decision.NextExpected[0].Number);
            Assert.Null(step.Decision.Reason);
            Assert.Equal((ShipmentStatus.InTransit, leg), (step.State.Status, step.State.Progress));
        }

        var destination = StationAt("destination", last);
        var delivery = Spec.On(routeId)
            .Given(Journey(routeId, through: last - 1))
            .When(ScanAt("destination", destination))
            .Then(Delivered, CheckedIn(routeId, last), DeliveredAt(destination));

        Assert.Equal(last, delivery.Decision.Leg?.Number);
        Assert.Empty(delivery.Decision.NextExpected);
        Assert.Equal((ShipmentStatus.Delivered, last), (delivery.State.Status, delivery.State.Progress));
    }

    [Fact]
    public void An_accepted_check_in_names_the_leg_it_completed_and_what_comes_next()
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 3))
            .When(ScanAt("port", "NLRTM-ECT-DELTA"))
            .Then(Accepted, CheckedIn(OceanReefer, 4, "NLRTM-ECT-DELTA"));

        Assert.Equal("Port of loading, on the ship", decided.Decision.Leg?.Name);
        Assert.Equal([(5, "Import customs")], decided.Decision.NextExpected.Select(leg => (leg.Number, leg.Name)));
    }

    [Fact]
    public void The_check_in_keeps_the_scan_as_it_was_made()
    {
        var checkedIn = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 1))
            .When(ScanAt("truck", "TRUCK-NL-42", celsius: 4.5))
            .Then(Accepted, typeof(StationCheckedIn))
            .Event<StationCheckedIn>();

        Assert.Equal(
            (Reference, ScanId, "truck", "TRUCK-NL-42", Scanner, ScannedAt, ReceivedAt, (double?)4.5),
            (checkedIn.ShipmentId, checkedIn.ScanId, checkedIn.StationType, checkedIn.StationId, checkedIn.DeviceId,
                checkedIn.ScannedAt, checkedIn.ReceivedAt, checkedIn.Celsius));
    }

    [Fact]
    public void The_first_check_in_puts_a_registered_shipment_in_transit()
    {
        var decided = Spec.On(RoadDomestic)
            .Given(Registered(RoadDomestic))
            .When(ScanAt("factory", "FACTORY-1"))
            .Then(Accepted, CheckedIn(RoadDomestic, 1));

        Assert.Equal(ShipmentStatus.InTransit, decided.State.Status);
        Assert.Equal(("Factory dispatch", "FACTORY-1"), (decided.State.CurrentLegName, decided.State.LastStationId));
    }

    [Fact]
    public void After_the_first_truck_the_cross_dock_and_the_last_mile_truck_are_both_expected()
    {
        var decided = Spec.On(RoadCrossdock)
            .Given(Journey(RoadCrossdock, through: 1))
            .When(ScanAt("truck", "TRUCK-2"))
            .Then(Accepted, CheckedIn(RoadCrossdock, 2));

        Assert.Equal([(3, "cross-dock"), (4, "truck")], decided.Decision.NextExpected.Select(leg => (leg.Number, leg.StationType)));
    }

    [Fact]
    public void The_optional_cross_dock_can_be_taken_and_the_last_mile_truck_follows_it()
    {
        var crossDock = Spec.On(RoadCrossdock)
            .Given(Journey(RoadCrossdock, through: 2))
            .When(ScanAt("cross-dock", "CROSS-DOCK-3"))
            .Then(Accepted, CheckedIn(RoadCrossdock, 3));

        Assert.Equal("Cross-dock transfer", crossDock.Decision.Leg?.Name);
        Assert.Equal([4], crossDock.Decision.NextExpected.Select(leg => leg.Number));

        Spec.On(RoadCrossdock)
            .Given(Journey(RoadCrossdock, through: 3))
            .When(ScanAt("truck", "TRUCK-4"))
            .Then(Accepted, CheckedIn(RoadCrossdock, 4));
    }

    [Fact]
    public void The_optional_cross_dock_can_be_skipped_straight_to_the_last_mile_truck()
    {
        var lastMile = Spec.On(RoadCrossdock)
            .Given(Journey(RoadCrossdock, through: 2))
            .When(ScanAt("truck", "TRUCK-4"))
            .Then(Accepted, CheckedIn(RoadCrossdock, 4));

        Assert.Equal((4, "Last-mile truck"), (lastMile.State.Progress, lastMile.State.CurrentLegName));

        Spec.On(RoadCrossdock)
            .Given(Journey(RoadCrossdock, through: 2), CheckedIn(RoadCrossdock, 4))
            .When(ScanAt("destination", "DESTINATION-5"))
            .Then(Delivered, CheckedIn(RoadCrossdock, 5), DeliveredAt("DESTINATION-5"));
    }

    [Fact]
    public void Customs_before_the_ship_is_export_customs()
    {
        var export = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 2))
            .When(ScanAt("customs", "CUSTOMS-3"))
            .Then(Accepted, CheckedIn(OceanReefer, 3));

        Assert.Equal((3, "Export customs"), (export.Decision.Leg?.Number, export.State.CurrentLegName));
    }

    [Fact]
    public void Customs_after_the_ship_is_import_customs()
    {
        var import = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 4))
            .When(ScanAt("customs", "CUSTOMS-5"))
            .Then(Accepted, CheckedIn(OceanReefer, 5));

        Assert.Equal((5, "Import customs"), (import.Decision.Leg?.Number, import.State.CurrentLegName));
    }

    [Fact]
    public void A_shipment_checked_in_out_of_sequence_once_still_moves_on_at_the_right_station()
    {
        var anomaly = Spec.On(RoadDomestic)
            .Given(Journey(RoadDomestic, through: 1))
            .When(ScanAt("destination"))
            .Then(OutOfSequence, typeof(OutOfSequenceScanRecorded))
            .Event<OutOfSequenceScanRecorded>();

        Spec.On(RoadDomestic)
            .Given(Journey(RoadDomestic, through: 1), anomaly)
            .When(ScanAt("truck", "TRUCK-2"))
            .Then(Accepted, CheckedIn(RoadDomestic, 2));
    }
}
