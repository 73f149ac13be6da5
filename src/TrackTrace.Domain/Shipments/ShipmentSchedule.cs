using TrackTrace.Domain.Routes;

namespace TrackTrace.Domain.Shipments;

/// <summary>When one expected next leg's check-in is plausible and when it is due.</summary>
/// <param name="EarliestAt">Before this a check-in is early (the leg's <c>earliest</c>); null when the leg sets none.</param>
/// <param name="DueAt">The latest moment within tolerance; null when the leg (or one before it on the way) has no <c>expectedWithin</c>.</param>
/// <param name="Overdue">Now is past <paramref name="DueAt"/>; exactly at it is still on time.</param>
public sealed record LegDue(Leg Leg, DateTimeOffset? EarliestAt, DateTimeOffset? DueAt, bool Overdue);

/// <summary>How a check-in came against its leg's window: late or early by how much, or neither.</summary>
public sealed record CheckInTiming(DateTimeOffset? EarliestAt, DateTimeOffset? DueAt, TimeSpan? Late, TimeSpan? Early);

/// <summary>
/// Due times, overdue and the ETA of a shipment, from its state and its route: pure, the time is passed in.
/// </summary>
/// <remarks>
/// Every duration counts from <see cref="WaitingSince"/>, the last check-in (registration before the
/// first). A leg's due time is the latest moment at which it can be reached with every leg on the
/// way inside its tolerance: optional legs the shipment has not passed yet count as taken (each with
/// its <c>expectedWithin</c> and <c>tolerance</c>), since nobody can tell before the next check-in
/// whether it goes through the hub or straight on; so a shipment going through the hub is never
/// called overdue too soon. Its earliest time takes the shortest way (optional legs skipped). Once a
/// check-in passes an optional leg without stopping there, that leg is skipped and behind the new
/// <see cref="WaitingSince"/>: it counts no more. The ETA of the last leg adds the remaining legs'
/// <c>expectedWithin</c> (no tolerances) the same way.
/// </remarks>
/// <param name="Next">Each leg a check-in may complete next, in route order; empty once delivered or refused.</param>
/// <param name="Watched">
/// The leg the shipment must reach: the first mandatory one among <paramref name="Next"/> (the optional
/// ones before it may be skipped, so missing them is no incident). Overdue means this one is.
/// </param>
/// <param name="Eta">When the last leg is expected; null when a remaining leg has no <c>expectedWithin</c>, or when delivered or refused.</param>
public sealed record ShipmentSchedule(
    DateTimeOffset WaitingSince, IReadOnlyList<LegDue> Next, LegDue? Watched, DateTimeOffset? Eta)
{
    public bool Overdue => Watched?.Overdue == true;

    /// <summary>The shipment's schedule at <paramref name="now"/>.</summary>
    public static ShipmentSchedule For(Shipment shipment, RouteWorkflow workflow, DateTimeOffset now)
    {
        var from = Start(shipment);
        if (!IsMonitored(shipment))
        {
            return new ShipmentSchedule(from, [], null, null);
        }

        var next = Windows(from, workflow.ExpectedNext(shipment.Progress), now);
        return new ShipmentSchedule(from, next, next.Count == 0 ? null : next[^1], EtaOf(from, workflow.Route, shipment.Progress));
    }

    /// <summary>
    /// When the monitor must look at the shipment again: the due time of the leg it must reach, unless
    /// that was recorded overdue already (or the shipment is delivered or refused: nothing is due).
    /// </summary>
    public static DateTimeOffset? NextDue(Shipment shipment, RouteWorkflow workflow)
    {
        if (!IsMonitored(shipment))
        {
            return null;
        }

        var windows = Windows(Start(shipment), workflow.ExpectedNext(shipment.Progress), DateTimeOffset.MinValue);
        return windows.Count == 0 || shipment.OverdueLeg == windows[^1].Leg.Number ? null : windows[^1].DueAt;
    }

    /// <summary>
    /// The timing of each check-in of a stream (facts in stream order) against the window its leg had
    /// when it came, null for every other fact. A check-in after its due time is late, one before its
    /// earliest time early, whether or not the monitor had recorded it overdue (a scanner may upload late).
    /// </summary>
    public static IReadOnlyList<CheckInTiming?> Timings(IReadOnlyList<object> stream, RouteWorkflow workflow)
    {
        var timings = new CheckInTiming?[stream.Count];
        Shipment? state = null;
        for (var i = 0; i < stream.Count; i++)
        {
            if (stream[i] is StationCheckedIn checkIn && state is not null && IsMonitored(state))
            {
                var window = Windows(Start(state), workflow.ExpectedNext(state.Progress), checkIn.ScannedAt)
                    .FirstOrDefault(w => w.Leg.Number == checkIn.LegNumber);
                if (window is not null)
                {
                    timings[i] = new CheckInTiming(window.EarliestAt, window.DueAt,
                        checkIn.ScannedAt > window.DueAt ? checkIn.ScannedAt - window.DueAt : null,
                        checkIn.ScannedAt < window.EarliestAt ? window.EarliestAt - checkIn.ScannedAt : null);
                }
            }

            state = Shipment.Fold(state, stream[i]);
        }

        return timings;
    }

    private static bool IsMonitored(Shipment shipment) =>
        shipment.Status is not (ShipmentStatus.Delivered or ShipmentStatus.Refused);

    // Snapshots written before due times existed carry no WaitingSince: their last check-in is the same moment.
    private static DateTimeOffset Start(Shipment shipment) =>
        shipment.WaitingSince ?? shipment.LastCheckInAt ?? shipment.RegisteredAt;

    private static List<LegDue> Windows(DateTimeOffset from, IReadOnlyList<Leg> candidates, DateTimeOffset now)
    {
        var windows = new List<LegDue>(candidates.Count);
        DateTimeOffset? latest = from;
        foreach (var leg in candidates)
        {
            // The way to this leg through the optional legs before it, each taken at its latest.
            latest = latest is { } before && leg.ExpectedWithin is { } expected ? before + expected + leg.Tolerance : null;
            var earliest = leg.Earliest is { } soonest ? from + soonest : (DateTimeOffset?)null;
            windows.Add(new LegDue(leg, earliest, latest, latest is { } due && now > due));
        }

        return windows;
    }

    private static DateTimeOffset? EtaOf(DateTimeOffset from, Route route, int progress)
    {
        var eta = from;
        foreach (var leg in route.Legs.Skip(progress))
        {
            if (leg.ExpectedWithin is not { } expected)
            {
                return null;
            }

            eta += expected;
        }

        return eta;
    }
}
