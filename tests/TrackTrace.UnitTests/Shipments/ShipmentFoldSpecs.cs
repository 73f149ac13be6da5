using TrackTrace.Domain.Shipments;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// What staff see of a shipment is its stream folded: the status follows the facts, and the version
/// is the number of facts, which guards the next append.
/// </summary>
public sealed class ShipmentFoldSpecs
{
    private const string OceanReefer = "ocean-reefer";

    [Fact]
    public void A_registered_shipment_is_at_version_one_with_delivery_accepted_and_no_leg_done()
    {
        var shipment = Fold(Registered(OceanReefer));

        Assert.Equal(
            (Reference, OceanReefer, "12 pallets of vaccine", ShipmentStatus.Registered, 0, 1L, RegisteredAt),
            (shipment.Id, shipment.RouteId, shipment.Description, shipment.Status, shipment.Progress, shipment.Version,
                shipment.RegisteredAt));
        Assert.Equal("accepted", shipment.Attributes["delivery"]);
        Assert.False(shipment.DeliveryRefused);
        Assert.Null(shipment.LastStationId);
    }

    [Fact]
    public void The_first_check_in_puts_it_in_transit_at_that_leg()
    {
        var shipment = Fold(Journey(OceanReefer, through: 1));

        Assert.Equal(
            (ShipmentStatus.InTransit, 1, "Factory dispatch", "FACTORY-1", (DateTimeOffset?)ScannedAt),
            (shipment.Status, shipment.Progress, shipment.CurrentLegName, shipment.LastStationId, shipment.LastCheckInAt));
    }

    [Fact]
    public void Delivery_makes_it_delivered()
    {
        var shipment = Fold([.. Journey(OceanReefer, through: 7), DeliveredAt("DESTINATION-7")]);

        Assert.Equal((ShipmentStatus.Delivered, 7), (shipment.Status, shipment.Progress));
    }

    [Fact]
    public void A_breach_flips_delivery_to_refused_and_a_refusal_makes_it_refused()
    {
        var breached = Fold([.. Journey(OceanReefer, through: 6), ColdChainBreached()]);
        var refused = Fold([.. Journey(OceanReefer, through: 6), ColdChainBreached(), RefusedAt("DESTINATION-7")]);

        Assert.Equal((ShipmentStatus.InTransit, true, true, "refused"),
            (breached.Status, breached.Breached, breached.DeliveryRefused, breached.Attributes["delivery"]));
        Assert.Equal(ShipmentStatus.Refused, refused.Status);
    }

    [Fact]
    public void A_release_puts_a_refused_shipment_back_in_transit_with_delivery_accepted()
    {
        var shipment = Fold([.. Journey(OceanReefer, through: 6), ColdChainBreached(), RefusedAt("DESTINATION-7"), DeliveryReleased()]);

        Assert.Equal((ShipmentStatus.InTransit, false, "accepted"),
            (shipment.Status, shipment.DeliveryRefused, shipment.Attributes["delivery"]));
        Assert.True(shipment.Breached); // the breach itself stays on record
    }

    [Fact]
    public void The_version_counts_every_fact_on_the_stream_even_those_that_change_nothing_shown()
    {
        object[] facts =
        [
            .. Journey(OceanReefer, through: 3),
            new SensorAttached(Reference, "LOGGER-1", "ADMIN-1", RegisteredAt),
            new SensorAttached(Reference, "LOGGER-2", "ADMIN-1", RegisteredAt),
            new SensorDetached(Reference, "LOGGER-1", "ADMIN-1", ScannedAt),
            ColdChainBreached(),
        ];

        var shipment = Fold(facts);

        Assert.Equal(8L, shipment.Version);
        Assert.Equal(["LOGGER-2"], shipment.Sensors);
    }

    [Theory]
    [MemberData(nameof(FactsThatCannotStartAStream))]
    public void A_stream_must_start_with_the_registration(object first)
    {
        var refusal = Assert.Throws<InvalidOperationException>(() => Shipment.Fold(null, first));

        Assert.Equal($"{first.GetType().Name} cannot start a shipment stream", refusal.Message);
    }

    public static TheoryData<object> FactsThatCannotStartAStream() =>
    [
        CheckedIn(OceanReefer, 1),
        DeliveredAt("DESTINATION-7"),
        ColdChainBreached(),
        DeliveryReleased(),
        ReturnCheckedIn("truck", "TRUCK-9"),
    ];

    private static Shipment Fold(params object[] facts)
    {
        var shipment = facts.Aggregate((Shipment?)null, Shipment.Fold);
        Assert.NotNull(shipment);
        return shipment;
    }
}
