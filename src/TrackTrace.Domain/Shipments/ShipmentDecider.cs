using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Stations;

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
    double? Celsius,
    GeoPosition? StationPosition = null);

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

/// <param name="Reading">
/// The scan's temperature as cold-chain evidence: only for a check-in accepted at the next leg of a
/// cold-chain route. An out-of-sequence or off-route scan keeps its temperature in its fact, but a
/// scanner with no business at this shipment's next leg cannot break its cold chain.
/// </param>
public sealed record CheckInDecision(
    CheckInOutcome Outcome,
    IReadOnlyList<object> Events,
    Leg? Leg,
    IReadOnlyList<Leg> NextExpected,
    string? Reason,
    TemperatureSample? Reading = null);

/// <summary>
/// The shipment rules as pure functions: state and command in, events out. The station sequence
/// itself is the route's Stateless machine (<see cref="RouteWorkflow"/>).
/// </summary>
public static class ShipmentDecider
{
    public static ShipmentRegistered Register(RegisterShipment command) =>
        new(command.ShipmentId, command.RouteId, command.Description, command.RegisteredBy, command.At);

    /// <param name="travel">The impossible-travel rule's limits; null when the rule is off.</param>
    public static CheckInDecision CheckIn(Shipment state, RouteWorkflow workflow, CheckInShipment command, TravelLimits? travel = null)
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
                command.ReceivedAt, command.Celsius);
            return new CheckInDecision(CheckInOutcome.OutOfSequence, [anomaly], null, expected, reason);
        }

        var isLastLeg = leg.Number == workflow.Route.Legs.Count;
        if (isLastLeg && state.DeliveryRefused)
        {
            const string reason = "the shipment's delivery attribute is 'refused' after a cold-chain breach";
            var refused = new DeliveryRefused(state.Id, command.ScanId, command.StationId, command.DeviceId,
                reason, command.ScannedAt, command.Celsius);
            return new CheckInDecision(CheckInOutcome.DeliveryRefused, [refused], leg, expected, reason);
        }

        var checkedIn = new StationCheckedIn(state.Id, command.ScanId, leg.Number, leg.Name, command.StationType,
            command.StationId, command.DeviceId, command.ScannedAt, command.ReceivedAt, command.Celsius, command.StationPosition);
        // An impossible journey is still the next leg: accepted, and flagged right after.
        IReadOnlyList<object> arrival = travel is not null && ImpossibleTravel.Judge(state, checkedIn, travel) is { } impossible
            ? [checkedIn, impossible]
            : [checkedIn];
        var reading = command.Celsius is { } celsius && workflow.Route.ColdChain is not null
            ? new TemperatureSample(command.DeviceId, command.ScannedAt, celsius)
            : null;
        if (!isLastLeg)
        {
            return new CheckInDecision(CheckInOutcome.Accepted, arrival, leg, workflow.ExpectedNext(leg.Number),
                null, reading);
        }

        var delivered = new ShipmentDelivered(state.Id, command.ScanId, command.StationId, command.DeviceId,
            command.ScannedAt);
        return new CheckInDecision(CheckInOutcome.Delivered, [.. arrival, delivered], leg, [], null, reading);
    }

    /// <summary>
    /// Nobody checked the shipment in at the leg it must reach by that leg's due time: record it, once
    /// per leg and wait (a decision on the state after it finds it recorded, so two monitors racing
    /// append it once: the stream version decides). Exactly at the due time it is still on time;
    /// delivered and refused shipments are due nowhere.
    /// </summary>
    public static Decision RecordOverdue(Shipment state, RouteWorkflow workflow, DateTimeOffset now)
    {
        if (ShipmentSchedule.NextDue(state, workflow) is not { } due || now <= due)
        {
            return Decision.Unchanged;
        }

        var schedule = ShipmentSchedule.For(state, workflow, now);
        var leg = schedule.Watched!.Leg;
        return Decision.Of(new CheckInOverdue(state.Id, leg.Number, leg.Name,
            schedule.Next.Select(l => l.Leg.StationType).Distinct().ToArray(), schedule.WaitingSince, due, now));
    }

    /// <summary>
    /// Only an enrolled sensor, and only on a cold-chain route. Attaching an attached sensor changes
    /// nothing (no event): retries are harmless. One sensor may ride on several shipments (two pallets
    /// in one reefer).
    /// </summary>
    /// <param name="sensor">The device the command names, as enrolled; null when there is none.</param>
    public static Decision AttachSensor(
        Shipment state, RouteWorkflow workflow, string deviceId, Device? sensor, string by, DateTimeOffset at)
    {
        if (sensor is not { Role: DeviceRole.Sensor })
        {
            return Decision.Refuse(new Refusal(RefusalKind.Unprocessable, "not-a-sensor", "Not a sensor",
                $"deviceId: '{deviceId}' is not an enrolled device with role sensor."));
        }

        if (workflow.Route.ColdChain is null)
        {
            return Decision.Refuse(ShipmentRefusals.NoColdChain(state));
        }

        return state.Sensors.Contains(deviceId) ? Decision.Unchanged : Decision.Of(new SensorAttached(state.Id, deviceId, by, at));
    }

    public static Decision DetachSensor(Shipment state, string deviceId, string by, DateTimeOffset at) =>
        state.Sensors.Contains(deviceId) ? Decision.Of(new SensorDetached(state.Id, deviceId, by, at)) : Decision.Unchanged;

    /// <summary>
    /// Readings count for a shipment only from a sensor attached to it, and only on a cold-chain
    /// route. Null when the sensor may report; the refusal otherwise.
    /// </summary>
    public static Refusal? MayReport(Shipment state, RouteWorkflow workflow, string sensorId)
    {
        if (workflow.Route.ColdChain is null)
        {
            return ShipmentRefusals.NoColdChain(state);
        }

        return state.Sensors.Contains(sensorId) ? null : ShipmentRefusals.SensorNotAttached(state.Id);
    }

    /// <summary>An admin overrides a refused delivery: the one way back to delivery 'accepted', with the reason as a fact.</summary>
    public static Decision Release(Shipment state, string? reason, string by, DateTimeOffset at)
    {
        if (!Decisions.Reason.IsValid(reason))
        {
            return Decision.Refuse(Refusal.Invalid("reason",
                "required: why the goods may be delivered after all (1-500 characters); it is kept as a fact"));
        }

        if (!state.DeliveryRefused)
        {
            return Decision.Refuse(new Refusal(RefusalKind.Conflict, "not-refused", "Delivery is not refused",
                $"Shipment '{state.Id}' has delivery '{DeliveryAttribute.Accepted}'; there is nothing to release."));
        }

        return Decision.Of(new DeliveryReleased(state.Id, by, reason!.Trim(), at));
    }

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

/// <summary>Refusals several shipment rules share.</summary>
public static class ShipmentRefusals
{
    public static Refusal NoColdChain(Shipment shipment) => new(RefusalKind.Unprocessable, "no-cold-chain",
        "No cold chain on this route",
        $"Route '{shipment.RouteId}' of shipment '{shipment.Id}' has no cold-chain profile, so temperatures are not judged. Nothing was stored.");

    public static Refusal SensorNotAttached(string shipmentId) => new(RefusalKind.Forbidden, "sensor-not-attached",
        "Sensor not attached",
        $"This sensor is not attached to shipment '{shipmentId}'; staff attach it with POST /api/shipments/{shipmentId}/sensors. Nothing was stored.",
        Facts: new Dictionary<string, object?> { ["attribute"] = "shipment" });

    public static Refusal NotFound(string shipmentId) =>
        new(RefusalKind.NotFound, "not-found", "Shipment not found", $"No shipment '{shipmentId}'.");

    public static Refusal Busy() => new(RefusalKind.Conflict, "concurrent-change", "Shipment busy",
        "Other changes to this shipment kept arriving at the same moment; retry the request.");
}
