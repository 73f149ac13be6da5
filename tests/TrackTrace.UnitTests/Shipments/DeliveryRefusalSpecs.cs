using TrackTrace.Domain.Shipments;
using static TrackTrace.Domain.Shipments.CheckInOutcome;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// A cold-chain breach flips the shipment's delivery to 'refused': it may still travel, but the
/// destination refuses the goods until an admin releases them, and once refused every further scan
/// is recorded off the route.
/// </summary>
public sealed class DeliveryRefusalSpecs
{
    private const string OceanReefer = "ocean-reefer";
    private const string Consignee = "DESTINATION-7";

    [Fact]
    public void After_a_breach_the_destination_refuses_the_goods_instead_of_taking_delivery()
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 6), ColdChainBreached())
            .When(ScanAt("destination", Consignee))
            .Then(CheckInOutcome.DeliveryRefused, RefusedAt(Consignee));

        Assert.DoesNotContain(decided.Decision.Events, e => e is StationCheckedIn or ShipmentDelivered);
        Assert.Equal("the shipment's delivery attribute is 'refused' after a cold-chain breach", decided.Decision.Reason);
        Assert.Equal(7, decided.Decision.Leg?.Number);
        Assert.Equal((ShipmentStatus.Refused, 6), (decided.State.Status, decided.State.Progress));
    }

    [Theory]
    [InlineData(2, "customs")]
    [InlineData(5, "truck")]
    public void After_a_breach_a_station_before_the_destination_still_accepts_the_shipment(int done, string next)
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: done), ColdChainBreached())
            .When(ScanAt(next, StationAt(next, done + 1)))
            .Then(Accepted, CheckedIn(OceanReefer, done + 1));

        Assert.True(decided.State.Breached);
        Assert.True(decided.State.DeliveryRefused);
    }

    [Theory]
    [InlineData("destination")]
    [InlineData("truck")]
    [InlineData("factory")]
    [InlineData("airport")]
    public void Once_delivery_is_refused_any_scan_is_recorded_off_the_route(string stationType)
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 6), ColdChainBreached(), RefusedAt(Consignee))
            .When(ScanAt(stationType, "RETURN-HUB-1"))
            .Then(RecordedOffRoute, ReturnCheckedIn(stationType, "RETURN-HUB-1"));

        Assert.Null(decided.Decision.Leg);
        Assert.Empty(decided.Decision.NextExpected);
        Assert.Equal("delivery was refused at the destination; check-ins are recorded off the route", decided.Decision.Reason);
        Assert.Equal(
            (ShipmentStatus.Refused, 6, "RETURN-HUB-1", 0),
            (decided.State.Status, decided.State.Progress, decided.State.LastStationId, decided.State.AnomalyCount));
    }

    [Fact]
    public void A_release_after_the_refusal_lets_the_destination_take_delivery()
    {
        var decided = Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 6), ColdChainBreached(), RefusedAt(Consignee), DeliveryReleased())
            .When(ScanAt("destination", Consignee))
            .Then(Delivered, CheckedIn(OceanReefer, 7, Consignee), DeliveredAt(Consignee));

        Assert.Equal(ShipmentStatus.Delivered, decided.State.Status);
    }

    [Fact]
    public void A_release_before_the_destination_is_reached_lets_it_take_delivery()
    {
        Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 6), ColdChainBreached(), DeliveryReleased())
            .When(ScanAt("destination", Consignee))
            .Then(Delivered, CheckedIn(OceanReefer, 7, Consignee), DeliveredAt(Consignee));
    }

    [Fact]
    public void A_breach_after_a_release_refuses_delivery_again()
    {
        Spec.On(OceanReefer)
            .Given(Journey(OceanReefer, through: 6), ColdChainBreached(), DeliveryReleased(), ColdChainBreached())
            .When(ScanAt("destination", Consignee))
            .Then(CheckInOutcome.DeliveryRefused, RefusedAt(Consignee));
    }
}
