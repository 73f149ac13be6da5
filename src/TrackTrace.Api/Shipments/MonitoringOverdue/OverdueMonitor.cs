using System.Diagnostics;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.MonitoringOverdue;

/// <summary>What one sweep found and did.</summary>
/// <param name="Candidates">Shipments whose stored next due time had passed.</param>
/// <param name="Recorded">Check-ins this sweep recorded overdue (another instance may have recorded the rest).</param>
public sealed record OverdueSweep(int Candidates, int Recorded, TimeSpan Elapsed);

/// <summary>
/// Notices what did not happen: a shipment whose next leg passed its due time without a check-in gets
/// <see cref="CheckInOverdue"/> on its stream (and so the alert and the bus message every fact gets).
/// Runs on every instance, at start-up and then every <see cref="ShipmentOptions.OverdueCheckInterval"/>;
/// what falls due while the service is down is found by the first sweep.
/// </summary>
/// <remarks>
/// Candidates come from the snapshot's indexed <c>next_due_at</c> column (written with every fact by
/// <see cref="ShipmentStreams"/>), so a sweep with nothing due is one index probe however many shipments
/// are open. The claim is the stream version: the fact is decided on the state the candidate row holds
/// and appended with that version as the guard, so when two instances race one append wins and the
/// other, deciding again on the state after it, finds it recorded. The time is the injected clock.
/// </remarks>
public sealed class OverdueMonitor : BackgroundService
{
    /// <summary>Candidates read per query; a sweep reads on until none is left.</summary>
    public const int BatchSize = 500;

    // Appends ride in the scans' group commits. A backlog (a restart after a long outage) is worked
    // off a few at a time: 16 in flight recorded hardly faster than 4 and cost scans far more
    // (BENCHMARKS.md, overdue monitor); an overdue alert a few seconds later is no loss.
    private const int InFlight = 4;

    private readonly IDocumentStore _store;
    private readonly ShipmentStreams _streams;
    private readonly RouteCatalog _routes;
    private readonly NpgsqlDataSource _dataSource;
    private readonly StoreNames _names;
    private readonly TimeProvider _clock;
    private readonly ILogger<OverdueMonitor> _logger;
    private readonly TimeSpan _interval;
    private readonly string _candidates;
    private readonly string _reschedule;

    public OverdueMonitor(
        IDocumentStore store, ShipmentStreams streams, RouteCatalog routes, NpgsqlDataSource dataSource, StoreNames names,
        IOptions<ShipmentOptions> options, TimeProvider clock, ILogger<OverdueMonitor> logger)
    {
        _interval = options.Value.OverdueCheckInterval;
        if (_interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"Shipments:OverdueCheckInterval must be positive (it is {_interval}); e.g. 00:00:30 checks for overdue check-ins every 30 seconds");
        }

        _store = store;
        _streams = streams;
        _routes = routes;
        _dataSource = dataSource;
        _names = names;
        _clock = clock;
        _logger = logger;
        var due = StoreNames.ShipmentNextDueColumn;
        // Keyset paging by (due, id): a candidate that cannot be judged is passed over, not read again.
        _candidates = $"where {due} < ? and ({due}, {StoreNames.IdColumn}) > (?, ?) order by {due}, {StoreNames.IdColumn} limit {BatchSize}";
        _reschedule =
            $"update {names.Shipments} set {due} = $1, {StoreNames.DataColumn} = jsonb_set({StoreNames.DataColumn}, $2, coalesce(to_jsonb($1), 'null'::jsonb)) " +
            $"where {StoreNames.IdColumn} = $3 and ({StoreNames.DataColumn} ->> '{names.ShipmentVersionKey}')::bigint = $4";
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _clock);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // PostgreSQL away, say: the next tick looks again, and nothing that fell due is lost.
                    _logger.LogWarning("Could not look for overdue check-ins: {Error}", ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Records every check-in overdue now that is not recorded yet.</summary>
    public async Task<OverdueSweep> SweepAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var now = _clock.GetUtcNow();
        var (afterDue, afterId) = (DateTimeOffset.MinValue, "");
        var candidates = 0;
        var recorded = 0;
        while (true)
        {
            IReadOnlyList<Shipment> batch;
            await using (var query = _store.QuerySession())
            {
                batch = await query.QueryAsync<Shipment>(_candidates, ct, now, afterDue, afterId);
            }

            candidates += batch.Count;
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = ct },
                async (shipment, token) =>
                {
                    if (await JudgeAsync(shipment, now, token))
                    {
                        Interlocked.Increment(ref recorded);
                    }
                });
            if (batch.Count < BatchSize)
            {
                break;
            }

            (afterDue, afterId) = (batch[^1].NextDueAt!.Value, batch[^1].Id);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Metrics.OverdueSweepSeconds.Record(elapsed.TotalSeconds);
        Metrics.CheckInsOverdue.Add(recorded);
        return new OverdueSweep(candidates, recorded, elapsed);
    }

    /// <returns>True when this call recorded the shipment overdue.</returns>
    private async Task<bool> JudgeAsync(Shipment candidate, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            var state = candidate;
            for (var attempt = 0; attempt < ShipmentCommands.MaxAttempts; attempt++)
            {
                var workflow = _routes.Get(state.RouteId);
                var decision = ShipmentDecider.RecordOverdue(state, workflow, now);
                if (decision.Events.Count == 0)
                {
                    await RescheduleIfStaleAsync(state, workflow, ct);
                    return false;
                }

                var appended = await _streams.AppendGroupCommittedAsync(state, decision.Events, null, ct);
                if (appended.Outcome == AppendOutcome.Appended)
                {
                    return true;
                }

                // A scan or another instance got in first: decide again on what it left.
                if (await _streams.LoadAsync(state.Id, fresh: true, ct) is not { } fresh)
                {
                    return false;
                }

                state = fresh;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning("Could not judge shipment {ShipmentId} for an overdue check-in: {Error}", candidate.Id, ex.Message);
        }

        return false;
    }

    /// <summary>
    /// The stored due time said "due" but the route as loaded now does not (its times were changed and
    /// the service restarted): store the due time it gives, guarded by the snapshot's version, so the
    /// shipment is not a candidate again before it is due.
    /// </summary>
    private async Task RescheduleIfStaleAsync(Shipment state, RouteWorkflow workflow, CancellationToken ct)
    {
        var due = ShipmentSchedule.NextDue(state, workflow);
        if (due == state.NextDueAt)
        {
            return; // decided on a fresh state that a scan or another instance left: nothing is stale
        }

        await using var command = _dataSource.CreateCommand(_reschedule);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)due ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = new[] { _names.ShipmentNextDueKey }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.AddWithValue(state.Id);
        command.Parameters.AddWithValue(state.Version);
        await command.ExecuteNonQueryAsync(ct);
    }
}
