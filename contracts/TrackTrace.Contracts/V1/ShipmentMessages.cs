namespace TrackTrace.Contracts.V1;

// Integration messages that leave TrackTrace on RabbitMQ (MassTransit, exchange per message type,
// named after the full type name, e.g. "TrackTrace.Contracts.V1:StationCheckedIn").
// Delivery is at least once: EventId is the id of the stored fact, so consumers deduplicate on it.
// A breaking change gets a new namespace (V2); fields are only ever added here.

public sealed record ShipmentRegistered(
    Guid EventId, string ShipmentId, string RouteId, string? Description, string RegisteredBy,
    DateTimeOffset RegisteredAt);

public sealed record StationCheckedIn(
    Guid EventId, string ShipmentId, Guid ScanId, int LegNumber, string LegName, string StationType,
    string StationId, string DeviceId, DateTimeOffset ScannedAt, DateTimeOffset ReceivedAt, double? Celsius);

public sealed record OutOfSequenceScanDetected(
    Guid EventId, string ShipmentId, Guid ScanId, string StationType, string StationId, string DeviceId,
    int CurrentLegNumber, string CurrentLegName, IReadOnlyList<string> ExpectedStationTypes, string Reason,
    DateTimeOffset ScannedAt);

/// <summary>
/// A check-in accepted as the next leg came from too far away for the time since the previous one
/// (both scanners named; RequiredKmh null when the second check-in is not later than the first).
/// </summary>
public sealed record ImpossibleTravelDetected(
    Guid EventId, string ShipmentId, Guid ScanId, string FromStationId, string FromDeviceId, DateTimeOffset FromScannedAt,
    string ToStationId, string ToDeviceId, DateTimeOffset ToScannedAt, double DistanceKm, double? RequiredKmh,
    double MaxKmh);

public sealed record ColdChainBreached(
    Guid EventId, string ShipmentId, string Rule, string Detail, double MinCelsius, double MaxCelsius,
    double AllowanceMinutes, double MinutesOutside, DateTimeOffset BreachedAt);

public sealed record DeliveryRefused(
    Guid EventId, string ShipmentId, Guid ScanId, string StationId, string DeviceId, string Reason,
    DateTimeOffset RefusedAt);

public sealed record ShipmentDelivered(
    Guid EventId, string ShipmentId, Guid ScanId, string StationId, string DeviceId, DateTimeOffset DeliveredAt);

/// <summary>
/// No check-in for the leg the shipment must reach next by its due time (the latest moment within the
/// route's tolerance); sent once per leg and wait. A check-in that comes later is a StationCheckedIn as usual.
/// </summary>
public sealed record CheckInOverdue(
    Guid EventId, string ShipmentId, int LegNumber, string LegName, IReadOnlyList<string> ExpectedStationTypes,
    DateTimeOffset WaitingSince, DateTimeOffset DueAt, DateTimeOffset DetectedAt);
