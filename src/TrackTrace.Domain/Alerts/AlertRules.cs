using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Domain.Alerts;

/// <summary>Which shipment facts people must hear about: the one place that turns a fact into an alert.</summary>
public static class AlertRules
{
    /// <summary>The fact types that can raise an alert; every other shipment fact raises none.</summary>
    public static readonly IReadOnlyList<Type> Alerting =
        [typeof(OutOfSequenceScanRecorded), typeof(ColdChainBreached), typeof(DeliveryRefused), typeof(CheckInOverdue), typeof(ImpossibleTravelDetected)];

    /// <param name="alertId">The new alert's id (derived from the fact, so a replay raises the same alert).</param>
    public static AlertRaised? For(IShipmentFact fact, string alertId, DateTimeOffset now) => fact switch
    {
        OutOfSequenceScanRecorded e => new AlertRaised(alertId, AlertTypes.OutOfSequence,
            $"Out-of-sequence scan of {e.ShipmentId} at {e.StationId}",
            $"{e.Reason}. Current leg: {e.CurrentLegName}; expected next: {string.Join(", ", e.ExpectedStationTypes)}.",
            e.ShipmentId, e.DeviceId, e.StationId, now),
        ColdChainBreached e => new AlertRaised(alertId, AlertTypes.ColdChainBreach,
            $"Cold-chain breach on {e.ShipmentId}", e.Detail, e.ShipmentId, null, null, now),
        DeliveryRefused e => new AlertRaised(alertId, AlertTypes.DeliveryRefused,
            $"Delivery of {e.ShipmentId} refused at {e.StationId}", e.Reason, e.ShipmentId, e.DeviceId,
            e.StationId, now),
        CheckInOverdue e => new AlertRaised(alertId, AlertTypes.CheckInOverdue,
            $"Check-in of {e.ShipmentId} overdue at leg {e.LegNumber} ({e.LegName})",
            $"Expected a check-in at a {string.Join(" or ", e.ExpectedStationTypes)} station by {e.DueAt:u}; " +
            $"no check-in on the route since {e.WaitingSince:u}.",
            e.ShipmentId, null, null, now),
        ShipmentRegistered or StationCheckedIn or ShipmentDelivered or ReturnCheckedIn or DeliveryReleased
            or SensorAttached or SensorDetached => null,
        ImpossibleTravelDetected e => ImpossibleTravelAlert(e, alertId, now),
        _ => throw new UnknownFactException(fact, nameof(AlertRules)),
    };

    // Both scanners are named: either may be the liar, so neither is suspended.
    private static AlertRaised ImpossibleTravelAlert(ImpossibleTravelDetected e, string alertId, DateTimeOffset now)
    {
        var speed = e.RequiredKmh is { } kmh
            ? FormattableString.Invariant($"{kmh:0} km/h")
            : "no time at all (the second check-in is not later than the first)";
        return new AlertRaised(alertId, AlertTypes.ImpossibleTravel,
            $"Impossible travel of {e.ShipmentId}: {e.FromStationId} to {e.ToStationId}",
            FormattableString.Invariant(
                $"{e.DistanceKm:0.#} km from {e.FromStationId} (checked in by device '{e.FromDeviceId}' at {e.FromScannedAt:u}) to ") +
            FormattableString.Invariant(
                $"{e.ToStationId} (checked in by device '{e.ToDeviceId}' at {e.ToScannedAt:u}) takes {speed}; a leg leaving a ") +
            FormattableString.Invariant(
                $"'{e.FromStationType}' station allows at most {e.MaxKmh:0} km/h. One of the two scanners may be lying or a label was copied: ") +
            $"the check-in was accepted and flagged, neither device was suspended. Raised by monitor:{MonitorRules.ImpossibleTravel}.",
            e.ShipmentId, e.ToDeviceId, e.ToStationId, now);
    }
}
