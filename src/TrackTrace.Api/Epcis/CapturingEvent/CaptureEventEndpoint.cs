using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Npgsql;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.Api.Epcis.CapturingEvent;

/// <summary>
/// POST /epcis/events: one event, stored before the answer (201 with Location). An eventID already
/// stored is 409; an error declaration re-sending a stored eventID is a correction and is stored.
/// A missing eventID is assigned.
/// </summary>
public static class CaptureEventEndpoint
{
    public static void MapCaptureEvent(this RouteGroupBuilder epcis) =>
        epcis.MapPost("/events", Capture).RequireAuthorization(Roles.EpcisCapture)
            .Accepts<object>(EpcisRequest.MediaTypes[0], EpcisRequest.MediaTypes[1..])
            .AcceptsContentTypes(EpcisRequest.MediaTypes)
            .WithSummary("Capture one EPCIS event: 201 with Location; 409 for an eventID already stored (scanner, sensor, admin)");

    private static async Task<IResult> Capture(
        HttpContext http, IOptions<EpcisOptions> options, NpgsqlDataSource dataSource, ICapturedEventStep step,
        TimeProvider clock, CancellationToken ct)
    {
        var (body, refusal) = await EpcisRequest.ReadAsync(http, options.Value, singleEvent: true, ct);
        if (refusal is not null)
        {
            return refusal;
        }

        using (body)
        {
            var recordTime = EpcisTime.Truncate(clock.GetUtcNow());
            var captured = CaptureDocument.ReadEvent(JsonNode.Parse(body!.Text)!.AsObject(), $"urn:uuid:{Guid.NewGuid()}", recordTime);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var written = await EpcisEventWriter.InsertAsync(connection, transaction, [captured], null, null, http.User.DeviceId(), ct);
            if (written.Stored.Count == 0)
            {
                return EpcisProblems.Result(StatusCodes.Status409Conflict, "epcis-duplicate-event", "ResourceAlreadyExistsException",
                    "Event already captured",
                    captured.Indexed.IsCorrection
                        ? $"Event '{captured.Indexed.EventId}' already has an error declaration."
                        : $"Event '{captured.Indexed.EventId}' is stored already. To correct it, send it again with an errorDeclaration.",
                    new Dictionary<string, object?> { ["eventID"] = captured.Indexed.EventId });
            }

            var outcome = await step.ApplyAsync(new CaptureContext(null, http.User.DeviceId(), true, connection, transaction), written.Stored[0], ct);
            if (outcome.Failed)
            {
                await transaction.RollbackAsync(ct);
                return EpcisProblems.Result(outcome.Status, "epcis-event-refused", "ValidationException",
                    "Event refused", outcome.Detail ?? outcome.Outcome, new Dictionary<string, object?> { ["eventID"] = captured.Indexed.EventId });
            }

            await transaction.CommitAsync(ct);
            Metrics.EpcisEventsCaptured.Add(1);
            return Results.Created($"/epcis/events/{Uri.EscapeDataString(captured.Indexed.EventId)}",
                new { eventID = captured.Indexed.EventId, outcome = outcome.Outcome, shipmentId = outcome.ShipmentId });
        }
    }
}
