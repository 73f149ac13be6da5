using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Domain.Shipments;

// Facts on a shipment's stream (stream key = the shipment id). Past tense, immutable, each with
// its own timestamp; never renamed once stored.

public sealed record ShipmentRegistered(
    string ShipmentId, string RouteId, string? Description, string RegisteredBy, DateTimeOffset RegisteredAt) : IShipmentFact;

/// <summary>A scanner checked the shipment in at the next allowed station.</summary>
public sealed record StationCheckedIn(
    string ShipmentId,
    Guid ScanId,
    int LegNumber,
    string LegName,
    string StationType,
    string StationId,
    string DeviceId,
    DateTimeOffset ScannedAt,
    DateTimeOffset ReceivedAt,
    double? Celsius,
    GeoPosition? StationPosition = null) : IShipmentFact;

/// <summary>The check-in at the route's last leg: the goods are at their destination.</summary>
public sealed record ShipmentDelivered(
    string ShipmentId, Guid ScanId, string StationId, string DeviceId, DateTimeOffset DeliveredAt) : IShipmentFact;

/// <summary>
/// A scan at a station that is not next on the route. Recorded, with the temperature it reported;
/// the state does not advance and the temperature is not cold-chain evidence.
/// </summary>
public sealed record OutOfSequenceScanRecorded(
    string ShipmentId,
    Guid ScanId,
    string StationType,
    string StationId,
    string DeviceId,
    int CurrentLegNumber,
    string CurrentLegName,
    IReadOnlyList<string> ExpectedStationTypes,
    string Reason,
    DateTimeOffset ScannedAt,
    DateTimeOffset ReceivedAt,
    double? Celsius = null) : IShipmentFact;

/// <summary>
/// A check-in accepted as the next leg came from a station farther from the previous check-in's than
/// the leg's mode can travel in the time between them (scan times): one of the two scanners is lying,
/// or a shipment label was copied. The check-in stands; this anomaly flags it. Recorded by the
/// check-in's own decision (<see cref="ShipmentDecider.CheckIn"/>), right after it.
/// </summary>
/// <param name="RequiredKmh">The speed the two check-ins imply; null when the second is not later than the first.</param>
/// <param name="MaxKmh">The most a leg leaving a <paramref name="FromStationType"/> station may travel.</param>
public sealed record ImpossibleTravelDetected(
    string ShipmentId,
    Guid ScanId,
    string FromStationId,
    string FromStationType,
    string FromDeviceId,
    DateTimeOffset FromScannedAt,
    string ToStationId,
    string ToStationType,
    string ToDeviceId,
    DateTimeOffset ToScannedAt,
    double DistanceKm,
    double? RequiredKmh,
    double MaxKmh,
    DateTimeOffset DetectedAt) : IShipmentFact;

/// <summary>The destination refused the goods because the shipment's delivery attribute is 'refused'.</summary>
public sealed record DeliveryRefused(
    string ShipmentId, Guid ScanId, string StationId, string DeviceId, string Reason, DateTimeOffset RefusedAt,
    double? Celsius = null) : IShipmentFact;

/// <summary>
/// A check-in after the destination refused the goods: they are moving again (back to origin, for
/// instance) off the route, so it is recorded without judging the station sequence.
/// </summary>
public sealed record ReturnCheckedIn(
    string ShipmentId,
    Guid ScanId,
    string StationType,
    string StationId,
    string DeviceId,
    DateTimeOffset ScannedAt,
    DateTimeOffset ReceivedAt,
    double? Celsius) : IShipmentFact;

/// <summary>An admin overrode a refusal: the one way back to delivery 'accepted'.</summary>
public sealed record DeliveryReleased(string ShipmentId, string ReleasedBy, string Reason, DateTimeOffset ReleasedAt) : IShipmentFact;

public sealed record SensorAttached(string ShipmentId, string DeviceId, string AttachedBy, DateTimeOffset AttachedAt) : IShipmentFact;

public sealed record SensorDetached(string ShipmentId, string DeviceId, string DetachedBy, DateTimeOffset DetachedAt) : IShipmentFact;

/// <summary>
/// No check-in for the leg the shipment must reach next by its due time (the latest moment within
/// tolerance). Recorded once per leg and wait by the overdue monitor; a check-in that comes later
/// is accepted as usual and shows as late on the timeline.
/// </summary>
/// <param name="WaitingSince">The check-in (or registration, or release) the due time counts from.</param>
/// <param name="DueAt">Since when the check-in is overdue.</param>
/// <param name="DetectedAt">When the monitor noticed (its clock).</param>
public sealed record CheckInOverdue(
    string ShipmentId,
    int LegNumber,
    string LegName,
    IReadOnlyList<string> ExpectedStationTypes,
    DateTimeOffset WaitingSince,
    DateTimeOffset DueAt,
    DateTimeOffset DetectedAt) : IShipmentFact;
