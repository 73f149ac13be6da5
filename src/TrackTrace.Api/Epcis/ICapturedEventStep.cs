using Microsoft.AspNetCore.Http;
using Npgsql;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.Api.Epcis;

/// <summary>Who captured and how, for the steps that act on a capture's events.</summary>
/// <param name="CaptureId">The capture job, or null for a single event (POST /epcis/events) or an export.</param>
/// <param name="DeviceId">The authenticated device that sent the events.</param>
/// <param name="Rollback">True under GS1-Capture-Error-Behaviour: rollback (all or nothing).</param>
/// <param name="Connection">The capture's connection.</param>
/// <param name="Transaction">The capture's transaction: write in it to commit or roll back with the events.</param>
public sealed record CaptureContext(
    string? CaptureId, string DeviceId, bool Rollback, NpgsqlConnection Connection, NpgsqlTransaction Transaction);

/// <summary>
/// What storing one event did, as the capture job answers it per event: <c>stored</c> here; the
/// shipment steps add <c>checked-in</c>, <c>out-of-sequence</c>, <c>delivery-refused</c> and name
/// the shipment. <see cref="Failed"/> refuses the event: under rollback the whole capture is rolled
/// back; under proceed the event is removed again and the others stay (a step that fails must not
/// have written anything itself). <see cref="Status"/> is what POST /epcis/events answers then.
/// </summary>
public sealed record EventOutcome(
    string Outcome, string? ShipmentId = null, string? Detail = null, bool Failed = false, int Status = StatusCodes.Status409Conflict)
{
    public const string StoredOutcome = "stored";

    public static readonly EventOutcome Stored = new(StoredOutcome);
}

/// <summary>
/// What a captured event does beyond being stored: <see cref="CheckingIn.ShipmentCheckInStep"/> (a
/// check-in of a registered shipment at a registered station, temperatures into the cold chain). Called once per stored event, in
/// document order, inside the capture's own transaction right after the events were inserted, so
/// what it writes commits or rolls back with them. The capture job lists each result.
/// </summary>
public interface ICapturedEventStep
{
    ValueTask<EventOutcome> ApplyAsync(CaptureContext capture, StoredCapture stored, CancellationToken ct);
}
