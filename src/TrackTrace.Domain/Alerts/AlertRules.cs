using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Domain.Alerts;

/// <summary>Which shipment facts people must hear about: the one place that turns a fact into an alert.</summary>
public static class AlertRules
{
    /// <summary>The fact types that can raise an alert; every other shipment fact raises none.</summary>
    public static readonly IReadOnlyList<Type> Alerting = [typeof(OutOfSequenceScanRecorded), typeof(ColdChainBreached), typeof(DeliveryRefused), typeof(CheckInOverdue)];

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
        _ => throw new UnknownFactException(fact, nameof(AlertRules)),
    };
}
