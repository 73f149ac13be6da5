using System.Text.Json;
using Marten;
using Npgsql;
using NpgsqlTypes;
using TrackTrace.Api.Store;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments;

public enum ReadingsResult
{
    Recorded,
    SensorNotAttached,

    /// <summary>The shipment's stream moved on since it was loaded: load it, decide again, retry.</summary>
    VersionConflict,

    /// <summary>A document stored alongside (a scan's receipt) exists already: this is a retry.</summary>
    AlreadyRecorded,
}

public sealed record ReadingsOutcome(ReadingsResult Result, int Stored, int Duplicates, ColdChainState? State, Shipment? Shipment);

/// <summary>A reading as a device sent it, before it is stored; <paramref name="Exception"/> is a sensor's own alarm (EPCIS).</summary>
public sealed record ReadingInput(DateTimeOffset At, double Celsius, string? Exception = null);

/// <summary>
/// The readings table and each shipment's cold-chain evaluation. A batch is recorded in one
/// transaction: the new readings (duplicates by shipment, sensor and time are skipped), the
/// evaluation row (locked, so concurrent batches of one shipment take turns), and on the shipment's
/// stream the caller's facts (a scan's check-in) plus ColdChainBreached when this batch broke the
/// profile. All or nothing.
/// </summary>
public sealed class ColdChainLedger(NpgsqlDataSource dataSource, ShipmentStreams streams, StoreNames names, TimeProvider clock)
{
    private const int DeadlockAttempts = 5;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _insertReadings =
        $"""
        with attached as (
          select 1 from {names.Shipments} where {StoreNames.IdColumn} = $1 and (not $6 or {StoreNames.DataColumn}->'{names.ShipmentSensorsKey}' ? $2)
        ), inserted as (
          insert into {ColdChainTables.Readings} (shipment_id, sensor_id, at, celsius, received_at, exception)
          select $1, $2, r.at, r.celsius, $5, r.exception from unnest($3::timestamptz[], $4::float8[], $7::text[]) as r(at, celsius, exception)
          where exists (select 1 from attached)
          on conflict (shipment_id, sensor_id, at) do nothing
          returning at, celsius
        )
        select exists (select 1 from attached), coalesce(array_agg(at), array[]::timestamptz[]), coalesce(array_agg(celsius), array[]::float8[]) from inserted
        """;

    private const string CreateStatus =
        $"insert into {ColdChainTables.Status} (shipment_id, updated_at) values ($1, now()) on conflict do nothing";

    private const string LockStatus =
        $"select state::text, evaluated_from from {ColdChainTables.Status} where shipment_id = $1 for update";

    /// <param name="requireAttachment">
    /// Sensors must be attached to the shipment when the batch commits (a detach that got in first
    /// wins); a scanner's reading at its accepted check-in is evidence without an attachment.
    /// </param>
    /// <param name="events">Facts decided on <paramref name="shipment"/> that commit with the readings.</param>
    /// <param name="alongside">What else commits with them (a scan's receipt and device guard).</param>
    public async Task<ReadingsOutcome> RecordAsync(
        Shipment shipment, ColdChainProfile profile, string sensorId, IReadOnlyList<ReadingInput> readings,
        bool requireAttachment, IReadOnlyList<object> events, Action<IDocumentSession>? alongside, CancellationToken ct)
    {
        var receivedAt = clock.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var outcome = await RecordInTransactionAsync(connection, transaction, shipment, profile, sensorId, readings,
                    requireAttachment, events, alongside, receivedAt, ct);
                if (outcome.Result == ReadingsResult.Recorded)
                {
                    await transaction.CommitAsync(ct);
                    if (!ReferenceEquals(outcome.Shipment, shipment))
                    {
                        streams.Remember(outcome.Shipment!);
                    }
                }

                return outcome;
            }
            catch (PostgresException ex) when (attempt < DeadlockAttempts &&
                                               ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Two overlapping batches of one sensor met in opposite order; take turns.
            }
        }
    }

    /// <summary>
    /// The same, inside a transaction the caller owns and commits (an EPCIS capture): nothing is
    /// committed here, and on anything but <see cref="ReadingsResult.Recorded"/> the caller rolls back.
    /// </summary>
    public async Task<ReadingsOutcome> RecordInTransactionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Shipment shipment, ColdChainProfile profile,
        string sensorId, IReadOnlyList<ReadingInput> readings, bool requireAttachment, IReadOnlyList<object> events,
        Action<IDocumentSession>? alongside, DateTimeOffset receivedAt, CancellationToken ct)
    {
        var (attached, stored) = await InsertAsync(connection, transaction, shipment.Id, sensorId, readings, receivedAt,
            requireAttachment, ct);
        if (!attached)
        {
            return new ReadingsOutcome(ReadingsResult.SensorNotAttached, 0, 0, null, shipment);
        }

        ColdChainState? state = null;
        var append = new List<object>(events);
        if (stored.Count > 0)
        {
            var (before, evaluatedFrom) = await LockStatusAsync(connection, transaction, shipment.Id, ct);
            var judged = stored.Where(r => evaluatedFrom is null || r.At >= evaluatedFrom).ToArray();
            var update = ColdChainRules.TryAdvance(profile, before, judged)
                         ?? ColdChainRules.Reevaluate(profile, before,
                             await SeriesAsync(connection, transaction, shipment.Id, evaluatedFrom, ct));
            await SaveStatusAsync(connection, transaction, shipment.Id, update.State, evaluatedFrom, ct);
            state = update.State;
            if (update.NewBreach is { } breach)
            {
                append.Add(ColdChainRules.Breached(shipment.Id, profile, breach, receivedAt));
            }
        }

        var after = shipment;
        if (append.Count > 0)
        {
            var appended = await streams.AppendInTransactionAsync(transaction, shipment, append, alongside, ct);
            switch (appended.Outcome)
            {
                case AppendOutcome.VersionConflict:
                    return new ReadingsOutcome(ReadingsResult.VersionConflict, 0, 0, null, null);
                case AppendOutcome.AlreadyRecorded:
                    return new ReadingsOutcome(ReadingsResult.AlreadyRecorded, 0, 0, null, null);
            }

            after = appended.State!;
        }

        Metrics.ReadingsStored.Add(stored.Count);
        return new ReadingsOutcome(ReadingsResult.Recorded, stored.Count, readings.Count - stored.Count, state, after);
    }

    /// <summary>
    /// Appends a release (decided on <paramref name="shipment"/>) and starts the evaluation afresh from
    /// now, in one transaction: what happened before was judged by a person.
    /// </summary>
    public async Task<AppendResult> ReleaseAsync(Shipment shipment, DeliveryReleased released, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await LockStatusAsync(connection, transaction, shipment.Id, ct);
        await SaveStatusAsync(connection, transaction, shipment.Id, ColdChainState.Empty, released.ReleasedAt, ct);
        var appended = await streams.AppendInTransactionAsync(transaction, shipment, [released], null, ct);
        if (appended.Outcome == AppendOutcome.Appended)
        {
            await transaction.CommitAsync(ct);
            streams.Remember(appended.State!);
        }

        return appended;
    }

    /// <summary>The evaluation and the when-from of a shipment, for staff (no lock).</summary>
    public async Task<(ColdChainState State, DateTimeOffset? EvaluatedFrom)> StatusAsync(string shipmentId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select state::text, evaluated_from from {ColdChainTables.Status} where shipment_id = $1");
        command.Parameters.AddWithValue(shipmentId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadStatus(reader) : (ColdChainState.Empty, null);
    }

    /// <summary>A shipment's readings in time order between two instants, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<StoredReading>> ReadingsAsync(
        string shipmentId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select sensor_id, at, celsius, received_at, exception from {ColdChainTables.Readings} " +
            "where shipment_id = $1 and at >= $2 and at <= $3 order by at, sensor_id limit $4");
        command.Parameters.AddWithValue(shipmentId);
        command.Parameters.AddWithValue((from ?? DateTimeOffset.UnixEpoch).ToUniversalTime());
        command.Parameters.AddWithValue((to ?? DateTimeOffset.MaxValue.AddYears(-1)).ToUniversalTime());
        command.Parameters.AddWithValue(limit);
        var readings = new List<StoredReading>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            readings.Add(new StoredReading(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetDouble(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return readings;
    }

    /// <summary>Every temperature of a shipment, also those from before a release (for its MKT and extremes).</summary>
    public async Task<IReadOnlyList<double>> TemperaturesAsync(string shipmentId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"select celsius from {ColdChainTables.Readings} where shipment_id = $1");
        command.Parameters.AddWithValue(shipmentId);
        var temperatures = new List<double>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            temperatures.Add(reader.GetDouble(0));
        }

        return temperatures;
    }

    private async Task<(bool Attached, IReadOnlyList<TemperatureSample> Stored)> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string shipmentId, string sensorId,
        IReadOnlyList<ReadingInput> readings, DateTimeOffset receivedAt, bool requireAttachment, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(_insertReadings, connection, transaction);
        command.Parameters.AddWithValue(shipmentId);
        command.Parameters.AddWithValue(sensorId);
        command.Parameters.Add(new NpgsqlParameter { Value = readings.Select(r => r.At.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.AddWithValue(readings.Select(r => r.Celsius).ToArray());
        command.Parameters.AddWithValue(receivedAt.ToUniversalTime());
        command.Parameters.AddWithValue(requireAttachment);
        command.Parameters.Add(new NpgsqlParameter { Value = readings.Select(r => (object?)r.Exception ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var attached = reader.GetBoolean(0);
        var at = reader.GetFieldValue<DateTimeOffset[]>(1);
        var celsius = reader.GetFieldValue<double[]>(2);
        return (attached, at.Zip(celsius, (a, c) => new TemperatureSample(sensorId, a, c)).ToArray());
    }

    private static async Task<(ColdChainState State, DateTimeOffset? EvaluatedFrom)> LockStatusAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string shipmentId, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands = { new NpgsqlBatchCommand(CreateStatus), new NpgsqlBatchCommand(LockStatus) },
        };
        batch.BatchCommands[0].Parameters.AddWithValue(shipmentId);
        batch.BatchCommands[1].Parameters.AddWithValue(shipmentId);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return ReadStatus(reader);
    }

    private static (ColdChainState, DateTimeOffset?) ReadStatus(NpgsqlDataReader reader) => (
        reader.IsDBNull(0) ? ColdChainState.Empty : JsonSerializer.Deserialize<ColdChainState>(reader.GetString(0), Json)!,
        reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));

    private static async Task SaveStatusAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string shipmentId, ColdChainState state,
        DateTimeOffset? evaluatedFrom, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"update {ColdChainTables.Status} set state = $2::jsonb, evaluated_from = $3, updated_at = now() where shipment_id = $1",
            connection, transaction);
        command.Parameters.AddWithValue(shipmentId);
        command.Parameters.AddWithValue(JsonSerializer.Serialize(state, Json));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)evaluatedFrom?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<IReadOnlyList<TemperatureSample>> SeriesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string shipmentId, DateTimeOffset? from, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select sensor_id, at, celsius from {ColdChainTables.Readings} where shipment_id = $1 and at >= $2 order by at, received_at",
            connection, transaction);
        command.Parameters.AddWithValue(shipmentId);
        command.Parameters.AddWithValue((from ?? DateTimeOffset.MinValue.AddYears(1)).ToUniversalTime());
        var series = new List<TemperatureSample>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            series.Add(new TemperatureSample(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetDouble(2)));
        }

        return series;
    }
}

public sealed record StoredReading(string SensorId, DateTimeOffset At, double Celsius, DateTimeOffset ReceivedAt, string? Exception);
