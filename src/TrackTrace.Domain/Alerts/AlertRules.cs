using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Domain.Alerts;

/// <summary>Which shipment facts people must hear about: the one place that turns a fact into an alert.</summary>
public static class AlertRules
{
    public static AlertRaised? For(object fact, DateTimeOffset now) => fact switch
    {
        OutOfSequenceScanRecorded e => new AlertRaised(Alert.NewId(), AlertTypes.OutOfSequence,
            $"Out-of-sequence scan of {e.ShipmentId} at {e.StationId}",
            $"{e.Reason}. Current leg: {e.CurrentLegName}; expected next: {string.Join(", ", e.ExpectedStationTypes)}.",
            e.ShipmentId, e.DeviceId, e.StationId, now),
        ColdChainBreached e => new AlertRaised(Alert.NewId(), AlertTypes.ColdChainBreach,
            $"Cold-chain breach on {e.ShipmentId}", e.Detail, e.ShipmentId, null, null, now),
        DeliveryRefused e => new AlertRaised(Alert.NewId(), AlertTypes.DeliveryRefused,
            $"Delivery of {e.ShipmentId} refused at {e.StationId}", e.Reason, e.ShipmentId, e.DeviceId,
            e.StationId, now),
        _ => null,
    };
}
