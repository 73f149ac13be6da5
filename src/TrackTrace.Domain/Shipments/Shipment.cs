using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Facts;

namespace TrackTrace.Domain.Shipments;

public enum ShipmentStatus
{
    Registered,
    InTransit,
    Delivered,
    Refused,
}

public static class DeliveryAttribute
{
    public const string Name = "delivery";
    public const string Accepted = "accepted";
    public const string Refused = "refused";
}

/// <summary>
/// What a shipment's stream adds up to. Rebuilt by folding its events with <see cref="Fold"/>;
/// stored as a snapshot document in the same transaction as the events that produced it, so staff
/// queries and the next decision read one row. <see cref="Version"/> is the stream version it
/// reflects and guards the next append.
/// </summary>
public sealed record Shipment
{
    public required string Id { get; init; }
    public required string RouteId { get; init; }
    public string? Description { get; init; }
    public ShipmentStatus Status { get; init; }

    /// <summary>Number of the last completed leg; 0 before the first check-in.</summary>
    public int Progress { get; init; }

    public string? CurrentLegName { get; init; }
    public string? LastStationId { get; init; }
    public DateTimeOffset RegisteredAt { get; init; }
    public DateTimeOffset? LastCheckInAt { get; init; }

    /// <summary>The last check-in on the route (station, type, scanner, time, position), for the impossible-travel rule.</summary>
    public CheckInPlace? LastCheckIn { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
    public int AnomalyCount { get; init; }
    public bool Breached { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Sensors { get; init; } = [];
    public long Version { get; init; }

    /// <summary>
    /// When the shipment started waiting for its next check-in: registration, the last check-in on
    /// the route, or the release of a refused delivery. Due times count from here.
    /// </summary>
    public DateTimeOffset? WaitingSince { get; init; }

    /// <summary>The leg whose check-in was recorded overdue in the current wait (<see cref="CheckInOverdue"/>).</summary>
    public int? OverdueLeg { get; init; }

    /// <summary>Since when that check-in is overdue (its due time); null while nothing is recorded overdue.</summary>
    public DateTimeOffset? OverdueSince { get; init; }

    /// <summary>
    /// When the monitor must look at this shipment next: the due time of the leg it must reach, while
    /// that is not yet recorded overdue. Needs the route, so the write path sets it on every snapshot
    /// it stores (<see cref="ShipmentSchedule.NextDue"/>); <see cref="Fold"/> leaves it alone. It is an
    /// index for the monitor, not a fact: readers compute due times with <see cref="ShipmentSchedule"/>.
    /// </summary>
    public DateTimeOffset? NextDueAt { get; init; }

    public bool DeliveryRefused =>
        Attributes.TryGetValue(DeliveryAttribute.Name, out var value) && value == DeliveryAttribute.Refused;

    public static Shipment Create(ShipmentRegistered e) => new()
    {
        Id = e.ShipmentId,
        RouteId = e.RouteId,
        Description = e.Description,
        Status = ShipmentStatus.Registered,
        RegisteredAt = e.RegisteredAt,
        UpdatedAt = e.RegisteredAt,
        WaitingSince = e.RegisteredAt,
        Attributes = WithDelivery(new Dictionary<string, string>(), DeliveryAttribute.Accepted),
        Version = 1,
    };

    /// <summary>Applies one more event of the stream (the version moves on by one).</summary>
    public static Shipment Fold(Shipment? state, object @event) => @event switch
    {
        ShipmentRegistered e => Create(e),
        _ when state is null => throw new InvalidOperationException(
            $"{@event.GetType().Name} cannot start a shipment stream"),
        _ => Located(Apply(state, @event), @event) with { Version = state.Version + 1 },
    };

    // UpdatedAt orders the staff list ("newest activity first"), so it only ever moves forward: a
    // fact that carries a device's (possibly backdated) time cannot push a shipment down the list.
    private static Shipment Apply(Shipment s, object @event) => @event switch
    {
        StationCheckedIn e => s with
        {
            Status = s.Status == ShipmentStatus.Registered ? ShipmentStatus.InTransit : s.Status,
            Progress = e.LegNumber,
            CurrentLegName = e.LegName,
            LastStationId = e.StationId,
            LastCheckInAt = e.ScannedAt,
            UpdatedAt = Later(s.UpdatedAt, e.ReceivedAt),
            WaitingSince = e.ScannedAt,
            OverdueLeg = null,
            OverdueSince = null,
        },
        ShipmentDelivered e => s with
        {
            Status = ShipmentStatus.Delivered, UpdatedAt = Later(s.UpdatedAt, e.DeliveredAt), OverdueLeg = null, OverdueSince = null,
        },
        OutOfSequenceScanRecorded e => s with { AnomalyCount = s.AnomalyCount + 1, UpdatedAt = Later(s.UpdatedAt, e.ReceivedAt) },
        ColdChainBreached e => s with
        {
            Breached = true,
            Attributes = WithDelivery(s.Attributes, DeliveryAttribute.Refused),
            UpdatedAt = Later(s.UpdatedAt, e.DetectedAt),
        },
        DeliveryRefused e => s with
        {
            Status = ShipmentStatus.Refused, UpdatedAt = Later(s.UpdatedAt, e.RefusedAt), OverdueLeg = null, OverdueSince = null,
        },
        ReturnCheckedIn e => s with
        {
            LastStationId = e.StationId, LastCheckInAt = e.ScannedAt, UpdatedAt = Later(s.UpdatedAt, e.ReceivedAt),
        },
        // Released after the destination refused it: the goods set off for the destination anew.
        DeliveryReleased e when s.Status == ShipmentStatus.Refused => s with
        {
            Attributes = WithDelivery(s.Attributes, DeliveryAttribute.Accepted),
            Status = ShipmentStatus.InTransit,
            UpdatedAt = Later(s.UpdatedAt, e.ReleasedAt),
            WaitingSince = e.ReleasedAt,
        },
        DeliveryReleased e => s with
        {
            Attributes = WithDelivery(s.Attributes, DeliveryAttribute.Accepted),
            UpdatedAt = Later(s.UpdatedAt, e.ReleasedAt),
        },
        CheckInOverdue e => s with
        {
            OverdueLeg = e.LegNumber, OverdueSince = e.DueAt, UpdatedAt = Later(s.UpdatedAt, e.DetectedAt),
        },
        SensorAttached e => s with { Sensors = [.. s.Sensors, e.DeviceId], UpdatedAt = Later(s.UpdatedAt, e.AttachedAt) },
        SensorDetached e => s with
        {
            Sensors = s.Sensors.Where(id => id != e.DeviceId).ToArray(),
            UpdatedAt = Later(s.UpdatedAt, e.DetachedAt),
        },
        ImpossibleTravelDetected e => s with { AnomalyCount = s.AnomalyCount + 1, UpdatedAt = Later(s.UpdatedAt, e.DetectedAt) },
        ShipmentRegistered => throw new InvalidOperationException($"shipment {s.Id} is already registered"),
        _ => throw new UnknownFactException(@event, nameof(Shipment) + "." + nameof(Fold)),
    };

    // Where the next leg is measured from: the check-in on the route. Goods going back after a refusal
    // leave the route, and the next leg starts from wherever they are then, which no fact says.
    private static Shipment Located(Shipment s, object @event) => @event switch
    {
        StationCheckedIn e => s with { LastCheckIn = new CheckInPlace(e.StationId, e.StationType, e.DeviceId, e.ScannedAt, e.StationPosition) },
        ReturnCheckedIn => s with { LastCheckIn = null },
        _ => s,
    };

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static Dictionary<string, string> WithDelivery(IReadOnlyDictionary<string, string> attributes, string value) =>
        new(attributes) { [DeliveryAttribute.Name] = value };
}
