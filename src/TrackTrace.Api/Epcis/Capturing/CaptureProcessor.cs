using System.Text.Json;
using Npgsql;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.Api.Epcis.Capturing;

/// <summary>
/// Runs one capture job: reads its stored document, writes the events and asks the per-event step
/// what each one did, and finishes the job, all in one transaction. Under rollback a duplicate
/// eventID or a failed step leaves nothing of the document stored; under proceed the rest is
/// stored and the job lists what was not. A crash before the commit leaves the job to be claimed
/// again: nothing of a half-run job is ever visible.
/// </summary>
public sealed class CaptureProcessor(
    NpgsqlDataSource dataSource, CaptureJobs jobs, ICapturedEventStep step, TimeProvider clock)
{
    public const string Duplicate = "duplicate";
    public const string RolledBack = "rolled-back";

    public async Task ProcessAsync(ClaimedJob job, CancellationToken ct)
    {
        var recordTime = EpcisTime.Truncate(clock.GetUtcNow());
        CaptureDocument document;
        try
        {
            document = CaptureDocument.Read(job.Document, job.Id, recordTime);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            // The document passed the schema when it was accepted, so this is our bug: say so, store nothing.
            await FailAsync(job, $"The document could not be read: {ex.Message}", ct);
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var written = await EpcisEventWriter.InsertAsync(connection, transaction, document.Events, document.Context, job.Id,
            job.DeviceId, ct);
        var results = new CaptureEventResult?[document.Events.Count];
        var errors = new List<CaptureError>();
        foreach (var duplicate in written.Duplicates)
        {
            results[duplicate.Index] = new CaptureEventResult(duplicate.Indexed.EventId, Duplicate);
            errors.Add(DuplicateError(duplicate));
        }

        if (job.Rollback && errors.Count > 0)
        {
            await transaction.RollbackAsync(ct);
            await FinishRolledBackAsync(connection, job, document, results, errors, ct);
            return;
        }

        var context = new CaptureContext(job.Id, job.DeviceId, job.Rollback, connection, transaction);
        foreach (var stored in written.Stored)
        {
            var outcome = await step.ApplyAsync(context, stored, ct);
            results[stored.Event.Index] = new CaptureEventResult(stored.Event.Indexed.EventId, outcome.Outcome, outcome.ShipmentId, outcome.Detail);
            if (!outcome.Failed)
            {
                continue;
            }

            errors.Add(new CaptureError(Problems.TypeBase + "epcis-event-refused", "Event refused", StatusCodes.Status409Conflict,
                outcome.Detail ?? outcome.Outcome, stored.Event.Indexed.EventId, stored.Event.Index, "ValidationException"));
            if (job.Rollback)
            {
                await transaction.RollbackAsync(ct);
                await FinishRolledBackAsync(connection, job, document, results, errors, ct);
                return;
            }
        }

        if (await jobs.FinishAsync(connection, transaction, job, errors.Count == 0, errors, results!, ct))
        {
            await transaction.CommitAsync(ct);
            Metrics.EpcisEventsCaptured.Add(written.Stored.Count);
        }
        else
        {
            // Another worker holds the job now (this one was too slow for its lease): its run counts.
            await transaction.RollbackAsync(ct);
        }
    }

    /// <summary>Gives up on a job that cannot be run: nothing stored, the reason in its errors.</summary>
    public async Task FailAsync(ClaimedJob job, string detail, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await jobs.FinishAsync(connection, null, job, false,
            [new CaptureError(Problems.TypeBase + "internal-error", "Capture failed", StatusCodes.Status500InternalServerError,
                detail + " Nothing of the document was stored.", EpcisException: "ImplementationException")],
            [], ct);
    }

    private async Task FinishRolledBackAsync(
        NpgsqlConnection connection, ClaimedJob job, CaptureDocument document, CaptureEventResult?[] results,
        List<CaptureError> errors, CancellationToken ct)
    {
        for (var i = 0; i < results.Length; i++)
        {
            var eventId = document.Events[i].Indexed.EventId;
            results[i] = results[i] is { Outcome: not EventOutcome.StoredOutcome } kept
                ? kept
                : new CaptureEventResult(eventId, RolledBack);
        }

        await jobs.FinishAsync(connection, null, job, false, errors, results!, ct);
    }

    private static CaptureError DuplicateError(CapturedEvent duplicate) =>
        new(Problems.TypeBase + "epcis-duplicate-event", "Event already captured", StatusCodes.Status409Conflict,
            duplicate.Indexed.IsCorrection
                ? $"Event '{duplicate.Indexed.EventId}' already has an error declaration."
                : $"Event '{duplicate.Indexed.EventId}' is stored already (by an earlier capture or earlier in this document).",
            duplicate.Indexed.EventId, duplicate.Index, "ResourceAlreadyExistsException");
}
