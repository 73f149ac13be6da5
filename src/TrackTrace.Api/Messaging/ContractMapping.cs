using JasperFx.Events;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Shipments;
using TrackTrace.Domain.Stations;
using Wire = TrackTrace.Contracts.V1;

namespace TrackTrace.Api.Messaging;

/// <summary>
/// The one place where stored facts become integration messages. Domain events stay inside; only
/// what other systems care about leaves, with the fact's event id for deduplication. Every fact type
/// is named here, also those that do not leave, so a new one cannot be forgotten silently.
/// </summary>
public static class ContractMapping
{
    public static IReadOnlyList<object> ToMessages(IEvent e) => ToMessages(e.Id, e.Data);

    public static IReadOnlyList<object> ToMessages(Guid eventId, object fact) => fact switch
    {
        ShipmentRegistered d => [new Wire.ShipmentRegistered(eventId, d.ShipmentId, d.RouteId, d.Description, d.RegisteredBy, d.RegisteredAt)],
        StationCheckedIn d => [new Wire.StationCheckedIn(eventId, d.ShipmentId, d.ScanId, d.LegNumber, d.LegName, d.StationType,
            d.StationId, d.DeviceId, d.ScannedAt, d.ReceivedAt, d.Celsius)],
        OutOfSequenceScanRecorded d => [new Wire.OutOfSequenceScanDetected(eventId, d.ShipmentId, d.ScanId, d.StationType,
            d.StationId, d.DeviceId, d.CurrentLegNumber, d.CurrentLegName, d.ExpectedStationTypes, d.Reason, d.ScannedAt)],
        ColdChainBreached d => [new Wire.ColdChainBreached(eventId, d.ShipmentId, d.Rule, d.Detail,
            d.MinCelsius, d.MaxCelsius, d.AllowanceMinutes, d.MinutesOutside, d.BreachedAt)],
        DeliveryRefused d => [new Wire.DeliveryRefused(eventId, d.ShipmentId, d.ScanId, d.StationId, d.DeviceId, d.Reason, d.RefusedAt)],
        ShipmentDelivered d => [new Wire.ShipmentDelivered(eventId, d.ShipmentId, d.ScanId, d.StationId, d.DeviceId, d.DeliveredAt)],
        CheckInOverdue d => [new Wire.CheckInOverdue(eventId, d.ShipmentId, d.LegNumber, d.LegName, d.ExpectedStationTypes,
            d.WaitingSince, d.DueAt, d.DetectedAt)],
        ReturnCheckedIn or DeliveryReleased or SensorAttached or SensorDetached => [],
        ImpossibleTravelDetected d => [new Wire.ImpossibleTravelDetected(eventId, d.ShipmentId, d.ScanId, d.FromStationId,
            d.FromDeviceId, d.FromScannedAt, d.ToStationId, d.ToDeviceId, d.ToScannedAt, d.DistanceKm, d.RequiredKmh, d.MaxKmh)],

        DeviceSuspended d => [new Wire.DeviceSuspended(eventId, d.DeviceId, d.Reason, d.SuspendedBy, d.SuspendedAt)],
        DeviceResumed d => [new Wire.DeviceResumed(eventId, d.DeviceId, d.Reason, d.ResumedBy, d.ResumedAt)],
        DeviceEnrolled or DeviceCertificateBound or DeviceCertificateRetired or DeviceAttributesChanged => [],
        DeviceRegistered or EnrollmentTokenIssued or EnrollmentTokenVoided or EnrollmentCompleted or EnrollmentRefused
            or DeviceCertificateRenewed => [],

        AlertRaised d => AlertMessages(eventId, d),
        AlertAcknowledged => [],

        StationRegistered => [],
        _ => throw new UnknownFactException(fact, nameof(ContractMapping)),
    };

    /// <summary>The wire form of an alert: published on the bus and POSTed to webhooks alike.</summary>
    public static Wire.AlertRaised Alert(Guid eventId, AlertRaised d) =>
        new(eventId, d.AlertId, d.Type, d.Title, d.Detail, d.ShipmentId, d.DeviceId, d.StationId, d.RaisedAt);

    private static object[] AlertMessages(Guid eventId, AlertRaised d) =>
        d.Type == AlertTypes.DeviceRejected
            ? [Alert(eventId, d), new Wire.DeviceRejected(eventId, d.AlertId, d.DeviceId, d.Title, d.Detail, d.RaisedAt)]
            : [Alert(eventId, d)];
}
