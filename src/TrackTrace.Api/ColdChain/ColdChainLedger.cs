using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TrackTrace.Api.Shipments;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.ColdChain;

public enum ReadingsResult
{
    Recorded,
    SensorNotAttached,
    ShipmentBusy,
}

public sealed record ReadingsOutcome(ReadingsResult Result, int Stored, int Duplicates, ColdChainState? State, bool BreachFound);

public enum ReleaseResult
{
    Released,
    NotRefused,
    NotFound,
    ShipmentBusy,
}

/// <summary>
/// Stores a batch of readings and moves the shipment's cold-chain evaluation on, in one
/// transaction: the new readings (duplicates by sensor and time are skipped), the evaluation row
/// (locked, so concurrent batches of one shipment take turns) and, when the batch breaks the
/// profile, the ColdChainBreached fact on the shipment's stream with its alert. All or nothing.
/// </summary>
public sealed class ColdChainLedger(NpgsqlDataSource dataSource, ShipmentStreams streams, TimeProvider clock)
{
    private const int MaxAttempts = 5;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string InsertReadings =
        $"""
        with attached as (
          select 1 from {Domain.TrackTraceStore.Schema}.mt_doc_shipment where id = $1 and (not $6 or data->'sensors' ? $2)
        ), inserted as (
          insert into {ColdChainTables.Readings} (sensor_id, at, shipment_id, celsius, received_at)
          select $2, r.at, $1, r.celsius, $5 from unnest($3::timestamptz[], $4::float8[]) as r(at, celsius)
          where exists (select 1 from attached)
          on conflict (sensor_id, at) do nothing
          returning at, celsius
        )
        select exists (select 1 from attached), coalesce(array_agg(at), array[]::timestamptz[]), coalesce(array_agg(celsius), array[]::float8[]) from inserted
        """;

    private const string CreateStatus =
        $"insert into {ColdChainTables.Status} (shipment_id, updated_at) values ($1, now()) on conflict do nothing";

    private const string LockStatus =
        $"select state::text, evaluated_from from {ColdChainTables.Status} where shipment_id = $1 for update";

    public async Task<ReadingsOutcome> RecordAsync(
        Shipment shipment, ColdChainProfile profile, string sensorId, IReadOnlyList<(DateTimeOffset At, double Celsius)> readings,
        bool requireAttachment, CancellationToken ct)
    {
        var receivedAt = clock.GetUtcNow();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var (attached, stored) = await InsertAsync(connection, transaction, shipment.Id, sensorId, readings,
                    receivedAt, requireAttachment, ct);
                if (!attached)
                {
                    return new ReadingsOutcome(ReadingsResult.SensorNotAttached, 0, 0, null, false);
                }

                if (stored.Count == 0)
                {
                    await transaction.CommitAsync(ct);
                    return new ReadingsOutcome(ReadingsResult.Recorded, 0, readings.Count, null, false);
                }

                var (state, evaluatedFrom) = await LockStatusAsync(connection, transaction, shipment.Id, ct);
                var judged = stored.Where(r => evaluatedFrom is null || r.At >= evaluatedFrom).ToArray();
                var update = ColdChainRules.TryAdvance(profile, state, judged)
                             ?? ColdChainRules.Reevaluate(profile, state,
                                 await SeriesAsync(connection, transaction, shipment.Id, evaluatedFrom, ct));
                await SaveStatusAsync(connection, transaction, shipment.Id, update.State, evaluatedFrom, ct);

                Shipment? moved = null;
                if (update.NewBreach is { } breach)
                {
                    var current = attempt == 0 ? shipment : await streams.LoadAsync(shipment.Id, fresh: true, ct);
                    var appended = await streams.AppendAsync(transaction, current!,
                        [ColdChainRules.Breached(shipment.Id, profile, breach, receivedAt)], ct);
                    if (appended.Outcome != AppendOutcome.Appended)
                    {
                        continue;
                    }

                    moved = appended.State;
                }

                await transaction.CommitAsync(ct);
                if (moved is not null)
                {
                    streams.Remember(moved);
                }

                Metrics.ReadingsStored.Add(stored.Count);
                return new ReadingsOutcome(ReadingsResult.Recorded, stored.Count, readings.Count - stored.Count,
                    update.State, update.NewBreach is not null);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Two overlapping batches of one sensor met in opposite order; take turns.
            }
        }

        return new ReadingsOutcome(ReadingsResult.ShipmentBusy, 0, 0, null, false);
    }

    /// <summary>
    /// An admin's override of a refused delivery: the DeliveryReleased fact, and the evaluation
    /// starts afresh from now (what happened before was judged by a person).
    /// </summary>
    public async Task<(ReleaseResult Result, Shipment? Shipment)> ReleaseAsync(
        string shipmentId, string releasedBy, string reason, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadAsync(shipmentId, fresh: true, ct);
            if (shipment is null)
            {
                return (ReleaseResult.NotFound, null);
            }

            if (!shipment.DeliveryRefused)
            {
                return (ReleaseResult.NotRefused, shipment);
            }

            var now = clock.GetUtcNow();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await LockStatusAsync(connection, transaction, shipmentId, ct);
            await SaveStatusAsync(connection, transaction, shipmentId, ColdChainState.Empty, now, ct);
            var appended = await streams.AppendAsync(transaction, shipment,
                [new DeliveryReleased(shipmentId, releasedBy, reason, now)], ct);
            if (appended.Outcome != AppendOutcome.Appended)
            {
                continue;
            }

            await transaction.CommitAsync(ct);
            streams.Remember(appended.State!);
            return (ReleaseResult.Released, appended.State);
        }

        return (ReleaseResult.ShipmentBusy, null);
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

    private static async Task<(bool Attached, IReadOnlyList<TemperatureSample> Stored)> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string shipmentId, string sensorId,
        IReadOnlyList<(DateTimeOffset At, double Celsius)> readings, DateTimeOffset receivedAt, bool requireAttachment,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(InsertReadings, connection, transaction);
        command.Parameters.AddWithValue(shipmentId);
        command.Parameters.AddWithValue(sensorId);
        command.Parameters.Add(new NpgsqlParameter { Value = readings.Select(r => r.At.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.AddWithValue(readings.Select(r => r.Celsius).ToArray());
        command.Parameters.AddWithValue(receivedAt.ToUniversalTime());
        command.Parameters.AddWithValue(requireAttachment);
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
