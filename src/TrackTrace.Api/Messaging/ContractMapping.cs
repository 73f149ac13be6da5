using JasperFx.Events;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Shipments;
using Wire = TrackTrace.Contracts.V1;
using Domain = TrackTrace.Domain;

namespace TrackTrace.Api.Messaging;

/// <summary>
/// The one place where stored facts become integration messages. Domain events stay inside; only
/// what other systems care about leaves, with the fact's event id for deduplication.
/// </summary>
public static class ContractMapping
{
    public static IReadOnlyList<object> ToMessages(IEvent e) => e.Data switch
    {
        ShipmentRegistered d => [new Wire.ShipmentRegistered(e.Id, d.ShipmentId, d.RouteId, d.Description, d.RegisteredBy, d.RegisteredAt)],
        StationCheckedIn d => [new Wire.StationCheckedIn(e.Id, d.ShipmentId, d.ScanId, d.LegNumber, d.LegName, d.StationType,
            d.StationId, d.DeviceId, d.ScannedAt, d.ReceivedAt, d.Celsius)],
        OutOfSequenceScanRecorded d => [new Wire.OutOfSequenceScanDetected(e.Id, d.ShipmentId, d.ScanId, d.StationType,
            d.StationId, d.DeviceId, d.CurrentLegNumber, d.CurrentLegName, d.ExpectedStationTypes, d.Reason, d.ScannedAt)],
        Domain.ColdChain.ColdChainBreached d => [new Wire.ColdChainBreached(e.Id, d.ShipmentId, d.Rule, d.Detail,
            d.MinCelsius, d.MaxCelsius, d.AllowanceMinutes, d.MinutesOutside, d.BreachedAt)],
        DeliveryRefused d => [new Wire.DeliveryRefused(e.Id, d.ShipmentId, d.ScanId, d.StationId, d.DeviceId, d.Reason, d.RefusedAt)],
        ShipmentDelivered d => [new Wire.ShipmentDelivered(e.Id, d.ShipmentId, d.ScanId, d.StationId, d.DeviceId, d.DeliveredAt)],
        Domain.Devices.DeviceSuspended d => [new Wire.DeviceSuspended(e.Id, d.DeviceId, d.Reason, d.SuspendedBy, d.SuspendedAt)],
        Domain.Devices.DeviceResumed d => [new Wire.DeviceResumed(e.Id, d.DeviceId, d.Reason, d.ResumedBy, d.ResumedAt)],
        AlertRaised d => AlertMessages(e.Id, d),
        _ => [],
    };

    private static object[] AlertMessages(Guid eventId, AlertRaised d)
    {
        var alert = new Wire.AlertRaised(eventId, d.AlertId, d.Type, d.Title, d.Detail, d.ShipmentId, d.DeviceId,
            d.StationId, d.RaisedAt);
        return d.Type == AlertTypes.DeviceRejected
            ? [alert, new Wire.DeviceRejected(eventId, d.AlertId, d.DeviceId, d.Title, d.Detail, d.RaisedAt)]
            : [alert];
    }
}
