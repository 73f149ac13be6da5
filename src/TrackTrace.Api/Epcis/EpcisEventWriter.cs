using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TrackTrace.Domain.Epcis;
using static TrackTrace.Api.Epcis.EpcisTables;

namespace TrackTrace.Api.Epcis;

/// <summary>An event that is now stored, with the number it is stored under.</summary>
public sealed record StoredCapture(CapturedEvent Event, long Seq);

/// <summary>What one insert did: the events stored, and those whose eventID was stored before (or twice in the batch).</summary>
public sealed record WriteResult(IReadOnlyList<StoredCapture> Stored, IReadOnlyList<CapturedEvent> Duplicates);

/// <summary>
/// Writes events with their identifier and sensor rows inside the caller's transaction, in three
/// statements whatever the number of events (arrays through unnest). An eventID already stored
/// (or repeated within the batch) is not written again and is reported as a duplicate; an error
/// declaration is stored beside the event it corrects.
/// </summary>
public static class EpcisEventWriter
{
    private const string Allocate = $"select nextval('{EventSequence}') from generate_series(1, $1)";

    private static readonly string InsertEvents =
        $"""
        insert into {Events} ({Event.Seq}, {Event.EventId}, {Event.Correction}, {Event.Type}, {Event.Action}, {Event.EventTime},
          {Event.RecordTime}, {Event.BizStep}, {Event.Disposition}, {Event.ReadPoint}, {Event.BizLocation}, {Event.PersistentSet},
          {Event.PersistentUnset}, {Event.DeclarationTime}, {Event.ErrorReason}, {Event.CorrectiveEventIds},
          {Event.HasSensorElements}, {Event.CaptureId}, {Event.CapturedBy}, {Event.Body}, {Event.Context})
        select i.seq, i.event_id, i.correction, i.type, i.action, i.event_time, i.record_time, i.biz_step, i.disposition, i.read_point,
          i.biz_location, {JsonArray("i.persistent_set")}, {JsonArray("i.persistent_unset")}, i.declaration_time, i.error_reason,
          {JsonArray("i.corrective")}, i.has_sensor, $18, $19, i.body::json, $20::json
        from unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[],
          $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::text[], $15::text[], $16::text[],
          $21::boolean[], $17::timestamptz[])
          as i(seq, event_id, correction, type, action, event_time, biz_step, disposition, read_point, biz_location,
               persistent_set, persistent_unset, declaration_time, error_reason, corrective, body, has_sensor, record_time)
        order by i.seq
        on conflict ({Event.EventId}, {Event.Correction}) do nothing
        returning {Event.Seq}
        """;

    private const string InsertEpcs =
        $"""
        insert into {EventEpcs} ({Epc.EventSeq}, {Epc.Value}, {Epc.Role})
        select * from unnest($1::bigint[], $2::text[], $3::text[]) on conflict do nothing
        """;

    private const string InsertSensorReports =
        $"""
        insert into {SensorReports} ({Sensor.EventSeq}, {Sensor.Ordinal}, {Sensor.Type}, {Sensor.Uom}, {Sensor.Value},
          {Sensor.MinValue}, {Sensor.MaxValue}, {Sensor.MeanValue}, {Sensor.Time}, {Sensor.DeviceId}, {Sensor.Exception})
        select * from unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[],
          $8::float8[], $9::timestamptz[], $10::text[], $11::text[])
        """;

    private static string JsonArray(string column) =>
        $"case when {column} is null then null else array(select json_array_elements_text({column}::json)) end";

    public static async Task<WriteResult> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<CapturedEvent> events, string? context,
        string? captureId, string capturedBy, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return new WriteResult([], []);
        }

        var seqs = new long[events.Count];
        await using (var allocate = new NpgsqlCommand(Allocate, connection, transaction))
        {
            allocate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = events.Count });
            await allocate.PrepareAsync(ct);
            await using var reader = await allocate.ExecuteReaderAsync(ct);
            for (var i = 0; await reader.ReadAsync(ct); i++)
            {
                seqs[i] = reader.GetInt64(0);
            }
        }

        System.Array.Sort(seqs);
        var inserted = new HashSet<long>();
        await using (var insert = new NpgsqlCommand(InsertEvents, connection, transaction))
        {
            var e = events.Select(c => c.Indexed).ToArray();
            insert.Parameters.Add(Values(seqs, NpgsqlDbType.Bigint));
            insert.Parameters.Add(Values(e.Select(x => x.EventId), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.IsCorrection), NpgsqlDbType.Boolean));
            insert.Parameters.Add(Values(e.Select(x => x.Type), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.Action), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.EventTime), NpgsqlDbType.TimestampTz));
            insert.Parameters.Add(Values(e.Select(x => x.BizStep), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.Disposition), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.ReadPoint), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.BizLocation), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => ListOrNull(x.PersistentSet)), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => ListOrNull(x.PersistentUnset)), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.ErrorDeclaration?.DeclarationTime), NpgsqlDbType.TimestampTz));
            insert.Parameters.Add(Values(e.Select(x => x.ErrorDeclaration?.Reason), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(e.Select(x => x.ErrorDeclaration is { } d ? ListOrNull(d.CorrectiveEventIds) : null), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(events.Select(x => x.Body), NpgsqlDbType.Text));
            insert.Parameters.Add(Values(events.Select(x => x.RecordTime), NpgsqlDbType.TimestampTz));
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)captureId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = capturedBy, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)context ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(Values(e.Select(x => x.SensorReports.Count > 0), NpgsqlDbType.Boolean));
            // Prepared once per pooled connection: PostgreSQL then plans these statements once, not per capture.
            await insert.PrepareAsync(ct);
            await using var reader = await insert.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                inserted.Add(reader.GetInt64(0));
            }
        }

        var stored = new List<StoredCapture>(inserted.Count);
        var duplicates = new List<CapturedEvent>();
        for (var i = 0; i < events.Count; i++)
        {
            if (inserted.Contains(seqs[i]))
            {
                stored.Add(new StoredCapture(events[i], seqs[i]));
            }
            else
            {
                duplicates.Add(events[i]);
            }
        }

        await InsertChildrenAsync(connection, transaction, stored, ct);
        return new WriteResult(stored, duplicates);
    }

    /// <summary>Removes one event written in this transaction (a step refused it under proceed).</summary>
    public static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long seq, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var sql in new[]
                 {
                     $"delete from {EventEpcs} where {Epc.EventSeq} = $1", $"delete from {SensorReports} where {Sensor.EventSeq} = $1",
                     $"delete from {Events} where {Event.Seq} = $1",
                 })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(ct);
    }

    private static async Task InsertChildrenAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<StoredCapture> stored, CancellationToken ct)
    {
        var epcs = stored.SelectMany(s => s.Event.Indexed.Epcs.Select(e => (s.Seq, e.Epc, Role: RoleName(e.Role)))).ToArray();
        var reports = stored.SelectMany(s => s.Event.Indexed.SensorReports.Select(r => (s.Seq, Report: r))).ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (epcs.Length > 0)
        {
            var command = new NpgsqlBatchCommand(InsertEpcs);
            command.Parameters.Add(Values(epcs.Select(x => x.Seq), NpgsqlDbType.Bigint));
            command.Parameters.Add(Values(epcs.Select(x => x.Epc), NpgsqlDbType.Text));
            command.Parameters.Add(Values(epcs.Select(x => x.Role), NpgsqlDbType.Text));
            batch.BatchCommands.Add(command);
        }

        if (reports.Length > 0)
        {
            var command = new NpgsqlBatchCommand(InsertSensorReports);
            command.Parameters.Add(Values(reports.Select(x => x.Seq), NpgsqlDbType.Bigint));
            command.Parameters.Add(Values(reports.Select(x => x.Report.Ordinal), NpgsqlDbType.Integer));
            command.Parameters.Add(Values(reports.Select(x => x.Report.Type), NpgsqlDbType.Text));
            command.Parameters.Add(Values(reports.Select(x => x.Report.Uom), NpgsqlDbType.Text));
            command.Parameters.Add(Values(reports.Select(x => x.Report.Value), NpgsqlDbType.Double));
            command.Parameters.Add(Values(reports.Select(x => x.Report.MinValue), NpgsqlDbType.Double));
            command.Parameters.Add(Values(reports.Select(x => x.Report.MaxValue), NpgsqlDbType.Double));
            command.Parameters.Add(Values(reports.Select(x => x.Report.MeanValue), NpgsqlDbType.Double));
            command.Parameters.Add(Values(reports.Select(x => x.Report.Time), NpgsqlDbType.TimestampTz));
            command.Parameters.Add(Values(reports.Select(x => x.Report.DeviceId), NpgsqlDbType.Text));
            command.Parameters.Add(Values(reports.Select(x => x.Report.Exception), NpgsqlDbType.Text));
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.PrepareAsync(ct);
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    private static string? ListOrNull(IReadOnlyList<string> values) =>
        values.Count == 0 ? null : JsonSerializer.Serialize(values);

    private static NpgsqlParameter Values<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.Select(v => Utc(v) ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };

    /// <summary>Npgsql writes timestamptz only from UTC values; the offset stays in the event's JSON.</summary>
    public static object? Utc(object? value) => value is DateTimeOffset t ? t.ToUniversalTime() : value;
}
