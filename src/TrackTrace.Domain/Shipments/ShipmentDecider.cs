using TrackTrace.Domain.Routes;

namespace TrackTrace.Domain.Shipments;

public sealed record RegisterShipment(
    string ShipmentId, string RouteId, string? Description, string RegisteredBy, DateTimeOffset At);

public sealed record CheckInShipment(
    Guid ScanId,
    string StationId,
    string StationType,
    string DeviceId,
    DateTimeOffset ScannedAt,
    DateTimeOffset ReceivedAt,
    double? Celsius);

public enum CheckInOutcome
{
    /// <summary>The next allowed station: the shipment moved on one leg.</summary>
    Accepted,

    /// <summary>The last leg: the shipment is delivered.</summary>
    Delivered,

    /// <summary>Recorded after a refused delivery, outside the route.</summary>
    RecordedOffRoute,

    /// <summary>Not a station the route allows next: recorded as an anomaly, no move.</summary>
    OutOfSequence,

    /// <summary>The destination, while delivery is refused: refused and recorded.</summary>
    DeliveryRefused,
}

public sealed record CheckInDecision(
    CheckInOutcome Outcome,
    IReadOnlyList<object> Events,
    Leg? Leg,
    IReadOnlyList<Leg> NextExpected,
    string? Reason);

/// <summary>
/// The shipment rules as pure functions: state and command in, events out. The station sequence
/// itself is the route's Stateless machine (<see cref="RouteWorkflow"/>).
/// </summary>
public static class ShipmentDecider
{
    public static ShipmentRegistered Register(RegisterShipment command) =>
        new(command.ShipmentId, command.RouteId, command.Description, command.RegisteredBy, command.At);

    public static CheckInDecision CheckIn(Shipment state, RouteWorkflow workflow, CheckInShipment command)
    {
        if (state.Status == ShipmentStatus.Refused)
        {
            var recorded = new ReturnCheckedIn(state.Id, command.ScanId, command.StationType, command.StationId,
                command.DeviceId, command.ScannedAt, command.ReceivedAt, command.Celsius);
            return new CheckInDecision(CheckInOutcome.RecordedOffRoute, [recorded], null, [],
                "delivery was refused at the destination; check-ins are recorded off the route");
        }

        var expected = workflow.ExpectedNext(state.Progress);
        var leg = workflow.TryCheckIn(state.Progress, command.StationType, command.StationId);
        if (leg is null)
        {
            var reason = OutOfSequenceReason(state, workflow, command, expected);
            var anomaly = new OutOfSequenceScanRecorded(state.Id, command.ScanId, command.StationType,
                command.StationId, command.DeviceId, state.Progress, CurrentLegName(state, workflow),
                expected.Select(l => l.StationType).Distinct().ToArray(), reason, command.ScannedAt,
                command.ReceivedAt);
            return new CheckInDecision(CheckInOutcome.OutOfSequence, [anomaly], null, expected, reason);
        }

        var isLastLeg = leg.Number == workflow.Route.Legs.Count;
        if (isLastLeg && state.DeliveryRefused)
        {
            const string reason = "the shipment's delivery attribute is 'refused' after a cold-chain breach";
            var refused = new DeliveryRefused(state.Id, command.ScanId, command.StationId, command.DeviceId,
                reason, command.ScannedAt);
            return new CheckInDecision(CheckInOutcome.DeliveryRefused, [refused], leg, expected, reason);
        }

        var checkedIn = new StationCheckedIn(state.Id, command.ScanId, leg.Number, leg.Name, command.StationType,
            command.StationId, command.DeviceId, command.ScannedAt, command.ReceivedAt, command.Celsius);
        if (!isLastLeg)
        {
            return new CheckInDecision(CheckInOutcome.Accepted, [checkedIn], leg, workflow.ExpectedNext(leg.Number),
                null);
        }

        var delivered = new ShipmentDelivered(state.Id, command.ScanId, command.StationId, command.DeviceId,
            command.ScannedAt);
        return new CheckInDecision(CheckInOutcome.Delivered, [checkedIn, delivered], leg, [], null);
    }

    /// <summary>Attaching an attached sensor changes nothing (no event): retries are harmless.</summary>
    public static IReadOnlyList<object> AttachSensor(Shipment state, string deviceId, string by, DateTimeOffset at) =>
        state.Sensors.Contains(deviceId) ? [] : [new SensorAttached(state.Id, deviceId, by, at)];

    public static IReadOnlyList<object> DetachSensor(Shipment state, string deviceId, string by, DateTimeOffset at) =>
        state.Sensors.Contains(deviceId) ? [new SensorDetached(state.Id, deviceId, by, at)] : [];

    public static string CurrentLegName(Shipment state, RouteWorkflow workflow) =>
        state.Progress == 0 ? "registered" : workflow.Route.Legs[state.Progress - 1].Name;

    private static string OutOfSequenceReason(
        Shipment state, RouteWorkflow workflow, CheckInShipment command, IReadOnlyList<Leg> expected)
    {
        if (workflow.IsDelivered(state.Progress))
        {
            return "the shipment is already delivered";
        }

        var expectedTypes = string.Join(" or ", expected.Select(l => l.StationType).Distinct());
        var done = workflow.Route.Legs.Take(state.Progress);
        if (done.Any(l => l.StationType == command.StationType) &&
            !expected.Any(l => l.StationType == command.StationType))
        {
            return $"going backwards: a '{command.StationType}' leg is already done; expected {expectedTypes}";
        }

        var later = workflow.Route.Legs.Skip(state.Progress).FirstOrDefault(l => l.StationType == command.StationType);
        if (later is not null && !expected.Any(l => l.StationType == command.StationType))
        {
            return $"skips mandatory leg(s) before leg {later.Number} ({later.Name}); expected {expectedTypes}";
        }

        if (expected.Any(l => l.StationType == command.StationType))
        {
            return $"station {command.StationId} may not serve the next '{command.StationType}' leg";
        }

        return $"a '{command.StationType}' station is not on route {workflow.Route.Id}; expected {expectedTypes}";
    }
}
