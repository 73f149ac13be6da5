using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;
using TrackTrace.UnitTests.Routes;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// When each next leg is due, when the shipment is overdue, and when it should arrive. On
/// road-crossdock: factory P1D + PT8H, first truck PT8H + PT4H, cross-dock (optional) PT12H + PT4H,
/// last-mile truck PT12H + PT4H, destination PT8H + PT4H (expectedWithin + tolerance).
/// </summary>
public sealed class ScheduleSpecs
{
    private const string Crossdock = "road-crossdock";
    private const string Domestic = "road-domestic";
    private static readonly DateTimeOffset FirstTruck = new(2025, 3, 4, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Registered_the_first_leg_is_due_from_the_registration()
    {
        var schedule = Given(Registered(Crossdock)).ScheduleAt(RegisteredAt);

        var factory = Assert.Single(schedule.Next);
        Assert.Equal((1, RegisteredAt.AddHours(24 + 8), false), (factory.Leg.Number, factory.DueAt, factory.Overdue));
        Assert.Equal(RegisteredAt, schedule.WaitingSince);
        // Every leg still ahead counts, the optional cross-dock too: 24 + 8 + 12 + 12 + 8 hours.
        Assert.Equal(RegisteredAt.AddHours(64), schedule.Eta);
    }

    [Fact]
    public void Before_an_optional_leg_both_it_and_the_leg_after_it_are_due_and_the_one_after_counts_the_way_through_it()
    {
        var schedule = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck))
            .ScheduleAt(FirstTruck.AddHours(1));

        Assert.Equal(
            [(3, FirstTruck.AddHours(16)), (4, FirstTruck.AddHours(16 + 16))],
            schedule.Next.Select(l => (l.Leg.Number, l.DueAt!.Value)));
        Assert.Equal(4, schedule.Watched?.Leg.Number); // the cross-dock may be skipped: missing it is no incident
        Assert.Equal(FirstTruck.AddHours(12 + 12 + 8), schedule.Eta);
        Assert.False(schedule.Overdue);
    }

    [Fact]
    public void Past_the_optional_leg_without_stopping_there_it_is_skipped_and_counts_no_more()
    {
        var lastMile = FirstTruck.AddHours(9);
        var schedule = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck),
                At(Crossdock, 4, lastMile))
            .ScheduleAt(lastMile);

        Assert.Equal([(5, lastMile.AddHours(12))], schedule.Next.Select(l => (l.Leg.Number, l.DueAt!.Value)));
        Assert.Equal(lastMile.AddHours(8), schedule.Eta);
    }

    [Fact]
    public void Through_the_optional_leg_the_next_one_counts_from_the_hub()
    {
        var hub = FirstTruck.AddHours(14);
        var schedule = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck),
                At(Crossdock, 3, hub))
            .ScheduleAt(hub);

        Assert.Equal([(4, hub.AddHours(16))], schedule.Next.Select(l => (l.Leg.Number, l.DueAt!.Value)));
        Assert.Equal(hub.AddHours(12 + 8), schedule.Eta);
    }

    [Fact]
    public void An_optional_leg_past_its_due_time_is_overdue_itself_but_the_shipment_is_not()
    {
        var schedule = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck))
            .ScheduleAt(FirstTruck.AddHours(20));

        Assert.Equal([true, false], schedule.Next.Select(l => l.Overdue));
        Assert.False(schedule.Overdue);
        Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck))
            .WhenTheMonitorLooksAt(FirstTruck.AddHours(20))
            .ThenNothing();
    }

    [Fact]
    public void Exactly_at_the_end_of_the_tolerance_the_check_in_is_still_on_time()
    {
        var due = FirstTruck.AddHours(32);
        var shipment = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck));

        Assert.False(shipment.ScheduleAt(due).Overdue);
        shipment.WhenTheMonitorLooksAt(due).ThenNothing();
    }

    [Fact]
    public void A_moment_past_the_tolerance_the_leg_to_reach_is_recorded_overdue_with_since_when()
    {
        var due = FirstTruck.AddHours(32);
        var now = due.AddTicks(1);
        var shipment = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck));

        Assert.True(shipment.ScheduleAt(now).Overdue);
        shipment.WhenTheMonitorLooksAt(now)
            .Then(new CheckInOverdue(Reference, 4, "Last-mile truck", ["cross-dock", "truck"], FirstTruck, due, now));
    }

    [Fact]
    public void An_overdue_leg_is_recorded_once_however_often_the_monitor_looks()
    {
        var due = FirstTruck.AddHours(32);
        var recorded = new CheckInOverdue(Reference, 4, "Last-mile truck", ["cross-dock", "truck"], FirstTruck, due, due.AddMinutes(1));
        var shipment = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck), recorded);

        shipment.WhenTheMonitorLooksAt(due.AddHours(5)).ThenNothing();
        Assert.True(shipment.ScheduleAt(due.AddHours(5)).Overdue);
        Assert.Equal((4, (DateTimeOffset?)due, (DateTimeOffset?)null),
            (shipment.State.OverdueLeg, shipment.State.OverdueSince, ShipmentSchedule.NextDue(shipment.State, Workflow(Crossdock))));
    }

    [Fact]
    public void A_late_check_in_is_accepted_as_usual_and_its_timing_says_how_late()
    {
        var due = FirstTruck.AddHours(32);
        var late = due.AddHours(2).AddMinutes(5);
        var facts = new object[]
        {
            Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck),
            new CheckInOverdue(Reference, 4, "Last-mile truck", ["cross-dock", "truck"], FirstTruck, due, due.AddSeconds(30)),
        };

        var decided = Spec.On(Crossdock).Given(facts).When(ScanAt("truck", "TRUCK-4") with { ScannedAt = late, ReceivedAt = late });
        decided.Then(CheckInOutcome.Accepted, typeof(StationCheckedIn));

        Assert.Equal(((int?)null, (DateTimeOffset?)null, 4), (decided.State.OverdueLeg, decided.State.OverdueSince, decided.State.Progress));
        var timings = ShipmentSchedule.Timings([.. facts, .. decided.Decision.Events], Workflow(Crossdock));
        var timing = timings[^1]!;
        Assert.Equal(((DateTimeOffset?)due, (TimeSpan?)new TimeSpan(2, 5, 0), (TimeSpan?)null), (timing.DueAt, timing.Late, timing.Early));
        Assert.Null(timings[^2]); // the overdue fact itself has no timing
        Assert.All(timings.Take(3).Skip(1), t => Assert.Null(t!.Late));
    }

    [Fact]
    public void A_check_in_that_happened_in_time_but_was_uploaded_after_the_overdue_was_recorded_is_not_late()
    {
        var due = FirstTruck.AddHours(32);
        var facts = new object[]
        {
            Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck),
            new CheckInOverdue(Reference, 4, "Last-mile truck", ["cross-dock", "truck"], FirstTruck, due, due.AddMinutes(1)),
            At(Crossdock, 4, due.AddMinutes(-10)),
        };

        Assert.Null(ShipmentSchedule.Timings(facts, Workflow(Crossdock))[^1]!.Late);
    }

    [Fact]
    public void A_check_in_before_the_earliest_plausible_time_is_early()
    {
        using var workflows = new ScratchWorkflows().With("voyage.yaml", """
            id: voyage
            legs:
              - type: port
                expectedWithin: P3D
              - type: port
                stations: [SGSIN]
                expectedWithin: P21D
                tolerance: P3D
                earliest: P14D
              - type: destination
            """);
        var workflow = RouteCatalog.Load(workflows.Directory).Get("voyage");
        var loaded = new StationCheckedIn(Reference, ScanId, 1, "port", "port", "NLRTM", Scanner, FirstTruck, FirstTruck, null);
        var arrived = new StationCheckedIn(Reference, ScanId, 2, "port", "port", "SGSIN", Scanner, FirstTruck.AddDays(2), FirstTruck.AddDays(2), null);

        var timing = ShipmentSchedule.Timings([Registered("voyage"), loaded, arrived], workflow)[^1]!;

        Assert.Equal(((DateTimeOffset?)FirstTruck.AddDays(14), (TimeSpan?)TimeSpan.FromDays(12), (TimeSpan?)null),
            (timing.EarliestAt, timing.Early, timing.Late));
        // The destination has no expectedWithin: no due time, no ETA.
        var atSingapore = new object[] { Registered("voyage"), loaded, arrived }.Aggregate((Shipment?)null, Shipment.Fold)!;
        var schedule = ShipmentSchedule.For(atSingapore, workflow, FirstTruck.AddDays(60));
        Assert.Equal((null, false, (DateTimeOffset?)null), (schedule.Watched?.DueAt, schedule.Overdue, schedule.Eta));
        Assert.Equal(Decision.Unchanged, ShipmentDecider.RecordOverdue(atSingapore, workflow, FirstTruck.AddDays(60)));
    }

    [Fact]
    public void A_delivered_shipment_is_due_nowhere_however_long_after()
    {
        var shipment = Given(Registered(Domestic), At(Domestic, 1, FirstTruck), At(Domestic, 2, FirstTruck.AddHours(6)),
            At(Domestic, 3, FirstTruck.AddHours(12)), DeliveredAt("DESTINATION-3"));

        var schedule = shipment.ScheduleAt(FirstTruck.AddDays(20));
        Assert.Equal((0, false, (DateTimeOffset?)null), (schedule.Next.Count, schedule.Overdue, schedule.Eta));
        Assert.Null(ShipmentSchedule.NextDue(shipment.State, Workflow(Domestic)));
        shipment.WhenTheMonitorLooksAt(FirstTruck.AddDays(20)).ThenNothing();
    }

    [Fact]
    public void A_refused_delivery_is_not_watched_for_later_legs_and_after_a_release_the_wait_starts_again()
    {
        var refusedAt = FirstTruck.AddHours(10);
        var refused = Given(Registered("ocean-reefer"), At("ocean-reefer", 1, FirstTruck), At("ocean-reefer", 6, FirstTruck.AddHours(4)),
            ColdChainBreached(), RefusedAt("DESTINATION-7") with { RefusedAt = refusedAt });

        refused.WhenTheMonitorLooksAt(refusedAt.AddDays(10)).ThenNothing();
        Assert.Null(ShipmentSchedule.NextDue(refused.State, Workflow("ocean-reefer")));

        var releasedAt = refusedAt.AddDays(2);
        var released = refused.And(DeliveryReleased() with { ReleasedAt = releasedAt });
        var destination = Assert.Single(released.ScheduleAt(releasedAt).Next);
        Assert.Equal((7, (DateTimeOffset?)releasedAt.AddHours(12 + 6)), (destination.Leg.Number, destination.DueAt));
    }

    [Fact]
    public void The_write_path_keeps_the_next_due_time_for_the_monitor_to_find()
    {
        var shipment = Given(Registered(Crossdock), At(Crossdock, 1, FirstTruck.AddHours(-5)), At(Crossdock, 2, FirstTruck));

        Assert.Equal(FirstTruck.AddHours(32), ShipmentSchedule.NextDue(shipment.State, Workflow(Crossdock)));
    }

    private static StationCheckedIn At(string routeId, int legNumber, DateTimeOffset at) =>
        CheckedIn(routeId, legNumber) with { ScannedAt = at, ReceivedAt = at };

    private static Schedule Given(params object[] facts) => new(facts);

    private sealed class Schedule(object[] facts)
    {
        public Shipment State { get; } = facts.Aggregate((Shipment?)null, Shipment.Fold)!;

        private RouteWorkflow Workflow => ShipmentFacts.Workflow(State.RouteId);

        public Schedule And(object fact) => new([.. facts, fact]);

        public ShipmentSchedule ScheduleAt(DateTimeOffset now) => ShipmentSchedule.For(State, Workflow, now);

        public Monitored WhenTheMonitorLooksAt(DateTimeOffset now) => new(ShipmentDecider.RecordOverdue(State, Workflow, now));
    }

    private sealed class Monitored(Decision decision)
    {
        public void ThenNothing() => Assert.Equal(Decision.Unchanged, decision);

        public void Then(CheckInOverdue expected)
        {
            Assert.Null(decision.Refusal);
            var recorded = Assert.IsType<CheckInOverdue>(Assert.Single(decision.Events));
            Assert.Equal(expected with { ExpectedStationTypes = [] }, recorded with { ExpectedStationTypes = [] });
            Assert.Equal(expected.ExpectedStationTypes, recorded.ExpectedStationTypes);
        }
    }
}
