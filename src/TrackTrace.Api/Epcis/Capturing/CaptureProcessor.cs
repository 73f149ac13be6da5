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

    /// <summary>Runs a job a worker claimed.</summary>
    public async Task ProcessAsync(ClaimedJob job, CancellationToken ct)
    {
        if (Read(job) is not { } document)
        {
            // The document passed the schema when it was accepted, so this is our bug: say so, store nothing.
            await FailAsync(job, "The document could not be read.", ct);
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await RunAsync(connection, transaction, job, document, ct))
        {
            await transaction.CommitAsync(ct);
        }
        else
        {
            // Another worker holds the job now (this one was too slow for its lease): its run counts.
            await transaction.RollbackAsync(ct);
        }
    }

    /// <summary>
    /// Runs a small document while its request waits: the job row and its events are written in
    /// one transaction, so the 202 that follows finds the job finished, and one commit serves the
    /// whole capture instead of three (queue, claim, finish).
    /// </summary>
    public async Task<string> CaptureNowAsync(string text, bool rollback, string deviceId, CancellationToken ct)
    {
        var id = CaptureJobs.NewId();
        var job = new ClaimedJob(id, text, rollback, deviceId, 1);
        var document = Read(job) ?? throw new InvalidOperationException("a schema-valid document could not be read");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await jobs.InsertRunningAsync(connection, transaction, job, document.Events.Count, ct);
        await RunAsync(connection, transaction, job, document, ct);
        await transaction.CommitAsync(ct);
        return id;
    }

    private CaptureDocument? Read(ClaimedJob job)
    {
        try
        {
            return CaptureDocument.Read(job.Document, job.Id, EpcisTime.Truncate(clock.GetUtcNow()));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The events, the per-event step and the job's end, in the caller's transaction; false when the job was taken over.</summary>
    private async Task<bool> RunAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ClaimedJob job, CaptureDocument document, CancellationToken ct)
    {
        // Rolling back to here undoes the events and what the steps wrote, and keeps the job row.
        await transaction.SaveAsync("capture", ct);
        var written = await EpcisEventWriter.InsertAsync(connection, transaction, document.Events, document.Context, job.Id,
            job.DeviceId, ct);
        var results = new CaptureEventResult?[document.Events.Count];
        var errors = new List<CaptureError>();
        foreach (var duplicate in written.Duplicates)
        {
            results[duplicate.Index] = new CaptureEventResult(duplicate.Indexed.EventId, Duplicate);
            errors.Add(DuplicateError(duplicate));
        }

        var context = new CaptureContext(job.Id, job.DeviceId, job.Rollback, connection, transaction);
        var refused = 0;
        if (!job.Rollback || errors.Count == 0)
        {
            foreach (var stored in written.Stored)
            {
                var outcome = await step.ApplyAsync(context, stored, ct);
                results[stored.Event.Index] = new CaptureEventResult(stored.Event.Indexed.EventId, outcome.Outcome, outcome.ShipmentId, outcome.Detail);
                if (outcome.Failed)
                {
                    errors.Add(new CaptureError(Problems.TypeBase + "epcis-event-refused", "Event refused", outcome.Status,
                        outcome.Detail ?? outcome.Outcome, stored.Event.Indexed.EventId, stored.Event.Index, "ValidationException"));
                    if (job.Rollback)
                    {
                        break;
                    }

                    await EpcisEventWriter.DeleteAsync(connection, transaction, stored.Seq, ct);
                    refused++;
                }
            }
        }

        var storedCount = written.Stored.Count - refused;
        if (job.Rollback && errors.Count > 0)
        {
            await transaction.RollbackAsync("capture", ct);
            storedCount = 0;
            for (var i = 0; i < results.Length; i++)
            {
                results[i] = results[i] is { Outcome: Duplicate } duplicate
                    ? duplicate
                    : new CaptureEventResult(document.Events[i].Indexed.EventId, RolledBack);
            }
        }

        if (!await jobs.FinishAsync(connection, transaction, job, errors.Count == 0, errors, results!, ct))
        {
            return false;
        }

        Metrics.EpcisEventsCaptured.Add(storedCount);
        return true;
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

    private static CaptureError DuplicateError(CapturedEvent duplicate) =>
        new(Problems.TypeBase + "epcis-duplicate-event", "Event already captured", StatusCodes.Status409Conflict,
            duplicate.Indexed.IsCorrection
                ? $"Event '{duplicate.Indexed.EventId}' already has an error declaration."
                : $"Event '{duplicate.Indexed.EventId}' is stored already (by an earlier capture or earlier in this document).",
            duplicate.Indexed.EventId, duplicate.Index, "ResourceAlreadyExistsException");
}
