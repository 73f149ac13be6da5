using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using static TrackTrace.Api.Epcis.EpcisTables;

namespace TrackTrace.Api.Epcis.Capturing;

/// <summary>One error of a capture job, as RFC 7807 (what the CaptureJob schema lists in <c>errors</c>).</summary>
public sealed record CaptureError(
    string Type, string Title, int Status, string Detail, string? EventId = null, int? EventIndex = null,
    [property: JsonPropertyName("epcisException")] string? EpcisException = null);

/// <summary>What the capture did to one event: the step's outcome, or why the event was not stored.</summary>
public sealed record CaptureEventResult(
    [property: JsonPropertyName("eventID")] string EventId, string Outcome, string? ShipmentId = null, string? Detail = null);

/// <summary>The CaptureJob of the EPCIS REST binding, with what happened to each event.</summary>
public sealed record CaptureJobView(
    [property: JsonPropertyName("captureID")] string CaptureId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    bool Running,
    bool Success,
    string CaptureErrorBehaviour,
    int EventCount,
    IReadOnlyList<CaptureError> Errors,
    IReadOnlyList<CaptureEventResult> Events);

/// <summary>A job a worker holds: its document, how to treat errors, who sent it, and which attempt this is.</summary>
public sealed record ClaimedJob(string Id, string Document, bool Rollback, string DeviceId, int Attempt, string? LastError = null);

/// <summary>
/// Capture jobs in PostgreSQL. Accepting a document is one insert of the job row with the document
/// in it, committed before the 202 goes out, so an accepted document survives a crash. Workers on
/// any instance claim queued jobs (or jobs whose worker's lease ran out) with FOR UPDATE SKIP LOCKED.
/// </summary>
public sealed class CaptureJobs(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string Rollback = "rollback";
    public const string Proceed = "proceed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private const string Columns =
        $"{Job.Id}, {Job.CreatedAt}, {Job.FinishedAt}, {Job.State}, {Job.Success}, {Job.ErrorBehaviour}, {Job.EventCount}, " +
        $"{Job.Errors}::text, {Job.Results}::text";

    public static string NewId() => "capture-" + Guid.NewGuid().ToString("N");

    public async Task<string> QueueAsync(string document, int eventCount, bool rollback, string deviceId, CancellationToken ct)
    {
        var id = NewId();
        await using var insert = dataSource.CreateCommand(
            $"insert into {EpcisTables.CaptureJobs} ({Job.Id}, {Job.State}, {Job.ErrorBehaviour}, {Job.DeviceId}, {Job.EventCount}, " +
            $"{Job.Document}, {Job.CreatedAt}, {Job.Attempts}) values ($1, '{CaptureJobState.Queued}', $2, $3, $4, $5, $6, 0)");
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = rollback ? Rollback : Proceed });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = eventCount });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await insert.ExecuteNonQueryAsync(ct);
        return id;
    }

    /// <summary>A job run at once by the request that brought it: claimed by that request from the start, its document not kept.</summary>
    public async Task InsertRunningAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ClaimedJob job, int eventCount, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand(
            $"insert into {EpcisTables.CaptureJobs} ({Job.Id}, {Job.State}, {Job.ErrorBehaviour}, {Job.DeviceId}, {Job.EventCount}, " +
            $"{Job.CreatedAt}, {Job.Attempts}) values ($1, '{CaptureJobState.Running}', $2, $3, $4, $5, 1)", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.Id });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.Rollback ? Rollback : Proceed });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.DeviceId });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = eventCount });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The job, for its own device or anyone when <paramref name="deviceId"/> is null (staff).</summary>
    public async Task<CaptureJobView?> FindAsync(string id, string? deviceId, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand(
            $"select {Columns} from {EpcisTables.CaptureJobs} where {Job.Id} = $1 and ($2::text is null or {Job.DeviceId} = $2)");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        select.Parameters.Add(new NpgsqlParameter { Value = (object?)deviceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? View(reader) : null;
    }

    /// <summary>The newest jobs, of one device or of all; without the per-event results (GET the job for those).</summary>
    public async Task<IReadOnlyList<CaptureJobView>> ListAsync(string? deviceId, int limit, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand(
            $"select {Columns.Replace($"{Job.Results}::text", "null::text", StringComparison.Ordinal)} from {EpcisTables.CaptureJobs} where ($1::text is null or {Job.DeviceId} = $1) order by {Job.CreatedAt} desc limit $2");
        select.Parameters.Add(new NpgsqlParameter { Value = (object?)deviceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var jobs = new List<CaptureJobView>();
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            jobs.Add(View(reader));
        }

        return jobs;
    }

    /// <summary>Takes the oldest job nobody works on (queued, or its worker's lease ran out); null when there is none.</summary>
    public async Task<ClaimedJob?> ClaimAsync(TimeSpan lease, CancellationToken ct)
    {
        await using var claim = dataSource.CreateCommand(
            $"""
            update {EpcisTables.CaptureJobs} set {Job.State} = '{CaptureJobState.Running}', {Job.LeaseUntil} = $1, {Job.Attempts} = {Job.Attempts} + 1
            where {Job.Id} = (
              select {Job.Id} from {EpcisTables.CaptureJobs}
              where {Job.State} = '{CaptureJobState.Queued}' or ({Job.State} = '{CaptureJobState.Running}' and {Job.LeaseUntil} < $2)
              order by {Job.CreatedAt} limit 1 for update skip locked)
            returning {Job.Id}, {Job.Document}, {Job.ErrorBehaviour}, {Job.DeviceId}, {Job.Attempts}, {Job.LastError}
            """);
        var now = clock.GetUtcNow();
        claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + lease });
        claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        await using var reader = await claim.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ClaimedJob(reader.GetString(0), reader.GetString(1), reader.GetString(2) == Rollback, reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5))
            : null;
    }

    /// <summary>Notes why an attempt failed; the job is run again when its lease runs out.</summary>
    public async Task RecordFailureAsync(ClaimedJob job, string error, CancellationToken ct)
    {
        await using var update = dataSource.CreateCommand(
            $"update {EpcisTables.CaptureJobs} set {Job.LastError} = $1 where {Job.Id} = $2 and {Job.Attempts} = $3");
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error });
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.Id });
        update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = job.Attempt });
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Finishes the job inside the transaction that stored its events. False when another worker took
    /// the job over in the meantime (this one's lease ran out): then the caller must roll back.
    /// </summary>
    public async Task<bool> FinishAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, ClaimedJob job, bool success,
        IReadOnlyList<CaptureError> errors, IReadOnlyList<CaptureEventResult> results, CancellationToken ct)
    {
        await using var finish = new NpgsqlCommand(
            $"update {EpcisTables.CaptureJobs} set {Job.State} = '{CaptureJobState.Finished}', {Job.FinishedAt} = $1, {Job.Success} = $2, " +
            $"{Job.Errors} = $3::jsonb, {Job.Results} = $4::jsonb, {Job.Document} = null, {Job.LeaseUntil} = null " +
            $"where {Job.Id} = $5 and {Job.Attempts} = $6 and {Job.State} = '{CaptureJobState.Running}'",
            connection, transaction);
        finish.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        finish.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = success });
        finish.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(errors, Json) });
        finish.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(results, Json) });
        finish.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.Id });
        finish.Parameters.Add(new NpgsqlParameter<int> { TypedValue = job.Attempt });
        return await finish.ExecuteNonQueryAsync(ct) == 1;
    }

    private static CaptureJobView View(NpgsqlDataReader r)
    {
        var finished = r.GetString(3) == CaptureJobState.Finished;
        return new CaptureJobView(
            r.GetString(0),
            r.GetFieldValue<DateTimeOffset>(1),
            r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2),
            !finished,
            // While it runs no error has occurred: errors are written when it finishes.
            !finished || (!r.IsDBNull(4) && r.GetBoolean(4)),
            r.GetString(5),
            r.GetInt32(6),
            r.IsDBNull(7) ? [] : JsonSerializer.Deserialize<CaptureError[]>(r.GetString(7), Json) ?? [],
            r.IsDBNull(8) ? [] : JsonSerializer.Deserialize<CaptureEventResult[]>(r.GetString(8), Json) ?? []);
    }
}
