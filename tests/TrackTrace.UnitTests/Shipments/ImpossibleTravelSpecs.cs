using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Shipments;
using TrackTrace.Domain.Stations;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// Given the shipment's last check-in on its route (station, type, scanner, time, position), When the
/// next leg is checked in farther away than that leg's mode travels in the time between, Then the
/// check-in is accepted and an impossible-travel anomaly follows it, naming both scanners.
/// </summary>
public sealed class ImpossibleTravelSpecs
{
    private const string OceanReefer = "ocean-reefer";

    private static readonly GeoPosition Rotterdam = new(51.9496, 4.1453);
    private static readonly GeoPosition Antwerp = new(51.2637, 4.3960); // about 78 km from Rotterdam
    private static readonly GeoPosition Singapore = new(1.2644, 103.8223);
    private static readonly GeoPosition NextDoor = new(51.9900, 4.1453); // about 4.5 km north

    private static readonly TravelLimits Limits = new(
        new Dictionary<string, double> { ["truck"] = 120, ["port"] = 60, ["airport"] = 1000 }, DefaultKmh: 120, SlackKm: 10);

    /// <summary>Leg 1 (factory) checked in by FACTORY-SCANNER at <paramref name="at"/>, at <paramref name="where"/>.</summary>
    private static Shipment AfterFactory(GeoPosition? where, DateTimeOffset at)
    {
        var leg = Leg(OceanReefer, 1);
        return new object[]
        {
            Registered(OceanReefer),
            new StationCheckedIn(Reference, Guid.NewGuid(), 1, leg.Name, "factory", "NLRTM-FACTORY", "FACTORY-SCANNER", at, at, null, where),
        }.Aggregate((Shipment?)null, Shipment.Fold)!;
    }

    /// <summary>Leg 2 (truck) checked in by TRUCK-SCANNER at <paramref name="at"/>, at <paramref name="where"/>.</summary>
    private static CheckInShipment TruckScan(GeoPosition? where, DateTimeOffset at) =>
        new(ScanId, "NL-TRUCK-1", "truck", "TRUCK-SCANNER", at, at.AddSeconds(1), null, where);

    private static CheckInDecision Decide(Shipment state, CheckInShipment scan, TravelLimits? limits = null) =>
        ShipmentDecider.CheckIn(state, Workflow(OceanReefer), scan, limits ?? Limits);

    [Fact]
    public void A_check_in_half_a_world_away_an_hour_later_is_accepted_and_flagged_naming_both_scanners()
    {
        var decision = Decide(AfterFactory(Rotterdam, ScannedAt), TruckScan(Singapore, ScannedAt.AddHours(1)));

        Assert.Equal(CheckInOutcome.Accepted, decision.Outcome);
        Assert.IsType<StationCheckedIn>(decision.Events[0]);
        var anomaly = Assert.IsType<ImpossibleTravelDetected>(decision.Events[1]);
        Assert.Equal(("NLRTM-FACTORY", "factory", "FACTORY-SCANNER", "NL-TRUCK-1", "TRUCK-SCANNER"),
            (anomaly.FromStationId, anomaly.FromStationType, anomaly.FromDeviceId, anomaly.ToStationId, anomaly.ToDeviceId));
        Assert.InRange(anomaly.DistanceKm, 10_400, 10_600);
        Assert.InRange(anomaly.RequiredKmh!.Value, 10_400, 10_600);
        Assert.Equal(120, anomaly.MaxKmh); // leaving a factory: the default, by road

        var after = decision.Events.Aggregate(AfterFactory(Rotterdam, ScannedAt), Shipment.Fold);
        Assert.Equal((1, 2, "NL-TRUCK-1"), (after.AnomalyCount, after.Progress, after.LastCheckIn!.Station));

        var alert = AlertRules.For(anomaly, "alert-1", ScannedAt)!;
        Assert.Equal(AlertTypes.ImpossibleTravel, alert.Type);
        Assert.Contains("FACTORY-SCANNER", alert.Detail);
        Assert.Contains("TRUCK-SCANNER", alert.Detail);
    }

    [Fact]
    public void A_journey_within_the_legs_speed_is_just_a_check_in()
    {
        // 78 km by road in an hour and a half: 52 km/h.
        var decision = Decide(AfterFactory(Rotterdam, ScannedAt), TruckScan(Antwerp, ScannedAt.AddMinutes(90)));

        Assert.Equal(CheckInOutcome.Accepted, decision.Outcome);
        Assert.IsType<StationCheckedIn>(Assert.Single(decision.Events));
    }

    [Fact]
    public void The_mode_is_the_one_of_the_station_left_so_the_same_leg_is_possible_by_air_and_not_by_sea()
    {
        var leg = Leg(OceanReefer, 1);
        Shipment Leaving(string stationType) => new object[]
        {
            Registered(OceanReefer),
            new StationCheckedIn(Reference, Guid.NewGuid(), 1, leg.Name, stationType, "ORIGIN", "ORIGIN-SCANNER", ScannedAt, ScannedAt, null, Rotterdam),
        }.Aggregate((Shipment?)null, Shipment.Fold)!;
        var fourteenHoursLater = TruckScan(Singapore, ScannedAt.AddHours(14)); // about 750 km/h

        Assert.Single(Decide(Leaving("airport"), fourteenHoursLater).Events);
        Assert.Equal(60, Assert.IsType<ImpossibleTravelDetected>(Decide(Leaving("port"), fourteenHoursLater).Events[1]).MaxKmh);
    }

    [Fact]
    public void Stations_within_the_slack_are_never_too_far_apart()
    {
        // 4.5 km in one second: coordinates of one site (or a truck's depot) are approximate.
        var decision = Decide(AfterFactory(Rotterdam, ScannedAt), TruckScan(NextDoor, ScannedAt.AddSeconds(1)));

        Assert.Single(decision.Events);
    }

    [Fact]
    public void A_second_check_in_not_later_than_the_first_is_impossible_at_any_speed()
    {
        var decision = Decide(AfterFactory(Rotterdam, ScannedAt), TruckScan(Antwerp, ScannedAt.AddMinutes(-5)));

        var anomaly = Assert.IsType<ImpossibleTravelDetected>(decision.Events[1]);
        Assert.Null(anomaly.RequiredKmh);
        Assert.Contains("no time at all", AlertRules.For(anomaly, "alert-1", ScannedAt)!.Detail);
    }

    [Fact]
    public void Without_coordinates_at_either_end_or_with_the_rule_off_nothing_is_judged()
    {
        Assert.Single(Decide(AfterFactory(null, ScannedAt), TruckScan(Singapore, ScannedAt.AddHours(1))).Events);
        Assert.Single(Decide(AfterFactory(Rotterdam, ScannedAt), TruckScan(null, ScannedAt.AddHours(1))).Events);
        Assert.Single(ShipmentDecider.CheckIn(AfterFactory(Rotterdam, ScannedAt), Workflow(OceanReefer),
            TruckScan(Singapore, ScannedAt.AddHours(1)), travel: null).Events);
    }

    [Fact]
    public void The_last_leg_is_delivered_and_flagged()
    {
        var route = Workflow(OceanReefer).Route;
        var last = route.Legs[^1];
        var before = route.Legs.Take(route.Legs.Count - 1).Select(l => (object)new StationCheckedIn(Reference, Guid.NewGuid(), l.Number, l.Name,
            l.StationType, $"S-{l.Number}", "SCANNER-A", ScannedAt, ScannedAt, null, Rotterdam));
        var state = new object[] { Registered(OceanReefer) }.Concat(before).Aggregate((Shipment?)null, Shipment.Fold)!;

        var decision = Decide(state, new CheckInShipment(ScanId, "SG-DC-1", last.StationType, "SCANNER-B", ScannedAt.AddHours(2),
            ScannedAt.AddHours(2), null, Singapore));

        Assert.Equal(CheckInOutcome.Delivered, decision.Outcome);
        Assert.Equal([typeof(StationCheckedIn), typeof(ImpossibleTravelDetected), typeof(ShipmentDelivered)],
            decision.Events.Select(e => e.GetType()));
    }

    [Fact]
    public void Goods_going_back_after_a_refusal_start_their_next_leg_from_nowhere_known()
    {
        var state = Shipment.Fold(AfterFactory(Rotterdam, ScannedAt),
            new ReturnCheckedIn(Reference, Guid.NewGuid(), "truck", "NL-TRUCK-9", "TRUCK-SCANNER", ScannedAt, ScannedAt, null));

        Assert.Null(state.LastCheckIn);
    }

    [Fact]
    public void Distances_are_great_circles()
    {
        Assert.InRange(Rotterdam.DistanceKm(Antwerp), 76, 80);
        Assert.InRange(Rotterdam.DistanceKm(Singapore), 10_500, 10_650);
        Assert.Equal(0, Rotterdam.DistanceKm(Rotterdam), 6);
    }
}
