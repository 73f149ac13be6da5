using System.Diagnostics;
using System.Threading.Channels;
using JasperFx;
using Marten;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments;

public enum AppendOutcome
{
    Appended,

    /// <summary>Another request appended to the stream first: reload and decide again.</summary>
    VersionConflict,

    /// <summary>What is stored alongside already exists (the scan's receipt): a retry.</summary>
    AlreadyRecorded,
}

public sealed record AppendResult(AppendOutcome Outcome, Shipment? State);

/// <summary>
/// The one write path for shipment streams: append the decided events with the state's version as
/// the optimistic guard and store the evolved snapshot in the same transaction (all the snapshots of
/// a transaction in one statement, <see cref="ShipmentSnapshots"/>). Two ways in, named
/// for what they do: <see cref="AppendGroupCommittedAsync"/> (the normal one) and
/// <see cref="AppendInTransactionAsync"/> (inside a transaction the caller owns, e.g. with the
/// readings that caused a breach). The last known state of busy shipments is kept in memory; a
/// stale copy (another instance moved the stream) only costs a version conflict and a reload.
/// The alerts the facts call for (<see cref="AlertRules"/>, within each device's <see cref="AlertBudget"/>)
/// are started in the same transaction: an answer that says "an alert was raised" is true. Every
/// snapshot stored carries <see cref="Shipment.NextDueAt"/> from its route, the index the overdue
/// monitor searches.
/// </summary>
/// <remarks>
/// Group commit: appends that arrive while earlier ones are being committed share the next
/// transaction (at most one append per stream in it), so under load a commit carries many scans
/// instead of one; alone, an append is committed at once. A batch that fails is replayed one append
/// per transaction, so each caller gets its own answer (appended, version conflict, already recorded).
/// </remarks>
public sealed class ShipmentStreams : IAsyncDisposable
{
    // One transaction in flight per core: more only split the waiting appends into smaller commits,
    // and each commit costs its round trips and its few statements whatever it carries.
    private const int MaxBatch = 64;
    private static readonly int Committers = Math.Max(2, Environment.ProcessorCount);

    private static readonly MemoryCacheEntryOptions Entry =
        new MemoryCacheEntryOptions().SetSize(1).SetSlidingExpiration(TimeSpan.FromMinutes(20));

    private readonly IDocumentStore _store;
    private readonly AlertBudget _budget;
    private readonly TimeProvider _clock;
    private readonly RouteCatalog _routes;
    private readonly ShipmentSnapshots _snapshots;
    // Shipments are scanned hours apart in life, so the cache mostly serves bursts (a journey's
    // retries, a dock clearing a trailer); 50,000 recent ones keep memory bounded (about 60 MB).
    private readonly MemoryCache _states = new(new MemoryCacheOptions { SizeLimit = 50_000 });
    private readonly Channel<PendingAppend> _pending = Channel.CreateUnbounded<PendingAppend>();
    private readonly Task[] _committers;
    private readonly bool _cacheStates;

    public ShipmentStreams(
        IDocumentStore store, AlertBudget budget, TimeProvider clock, RouteCatalog routes, IOptions<ShipmentOptions>? options = null)
    {
        _cacheStates = options?.Value.CacheStates ?? true;
        _store = store;
        _budget = budget;
        _clock = clock;
        _routes = routes;
        _snapshots = new ShipmentSnapshots(store);
        _committers = Enumerable.Range(0, Committers).Select(_ => Task.Run(CommitLoopAsync)).ToArray();
    }

    /// <param name="Caller">The span of the request waiting for this append (null when it is not traced).</param>
    private sealed record PendingAppend(
        Shipment State, IReadOnlyList<object> Events, IReadOnlyList<AlertRaised> Alerts, ScanWrite? Scan,
        TaskCompletionSource<AppendResult> Done, Activity? Caller);

    public async Task<Shipment?> LoadAsync(string shipmentId, bool fresh, CancellationToken ct)
    {
        if (!fresh && _states.TryGetValue(shipmentId, out Shipment? cached))
        {
            return cached;
        }

        await using var session = _store.QuerySession();
        var state = await session.LoadAsync<Shipment>(shipmentId, ct);
        if (state is not null)
        {
            Remember(state);
        }

        return state;
    }

    /// <summary>
    /// A shipment as a caller's transaction sees it, its own uncommitted appends included (an EPCIS
    /// capture that checks one shipment in twice).
    /// </summary>
    public async Task<Shipment?> LoadInTransactionAsync(NpgsqlTransaction transaction, string shipmentId, CancellationToken ct)
    {
        await using var session = _store.QuerySession(Marten.Services.SessionOptions.ForTransaction(transaction, false));
        return await session.LoadAsync<Shipment>(shipmentId, ct);
    }

    /// <summary>Starts a shipment's stream; false when the id is taken.</summary>
    public async Task<bool> StartAsync(ShipmentRegistered registered, CancellationToken ct)
    {
        var state = Scheduled(Shipment.Create(registered));
        try
        {
            await using var session = _store.LightweightSession();
            session.Events.StartStream<Shipment>(registered.ShipmentId, registered);
            _snapshots.Queue(session, [state]);
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            return false;
        }

        Remember(state);
        return true;
    }

    /// <summary>
    /// Appends in the next group commit: with the scans that arrive meanwhile, at most one append per
    /// stream per transaction. <paramref name="scan"/> is what a scan stores with its facts (its
    /// receipt and device guard); the scans of one commit share one statement for it (<see cref="ScanReceipts"/>).
    /// </summary>
    public async Task<AppendResult> AppendGroupCommittedAsync(
        Shipment state, IReadOnlyList<object> events, ScanWrite? scan, CancellationToken ct)
    {
        var alerts = await AlertsForAsync(events, ct);
        var done = new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite(new PendingAppend(state, events, alerts, scan, done, Traced(Activity.Current))))
        {
            throw new ObjectDisposedException(nameof(ShipmentStreams));
        }

        // The append commits (or not) whatever the caller does now; only the wait is cancelled.
        return await done.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Appends inside a transaction the caller owns (e.g. with the readings that caused a breach).
    /// The caller commits, then calls <see cref="Remember"/>; on a conflict it rolls back and retries.
    /// </summary>
    public async Task<AppendResult> AppendInTransactionAsync(
        NpgsqlTransaction transaction, Shipment state, IReadOnlyList<object> events, Action<IDocumentSession>? alongside,
        CancellationToken ct)
    {
        var alerts = await AlertsForAsync(events, ct);
        await using var session = _store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, false));
        var result = Enlist(session, state, events, alerts, Traced(Activity.Current));
        _snapshots.Queue(session, [result.State!]);
        alongside?.Invoke(session);
        return await SaveAsync(session, state, result, ct);
    }

    public void Remember(Shipment state)
    {
        if (_cacheStates)
        {
            _states.Set(state.Id, state, Entry);
        }
    }

    /// <summary>
    /// The next load reads the store: for appends in a caller's transaction that commits later (or
    /// not at all), where remembering either state could be wrong.
    /// </summary>
    public void Forget(string shipmentId) => _states.Remove(shipmentId);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_committers);
        _states.Dispose();
    }

    private async Task CommitLoopAsync()
    {
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            var batch = new List<PendingAppend>();
            var streams = new HashSet<string>();
            var later = new List<PendingAppend>();
            while (batch.Count < MaxBatch && reader.TryRead(out var append))
            {
                (streams.Add(append.State.Id) ? batch : later).Add(append);
            }

            foreach (var append in later)
            {
                _pending.Writer.TryWrite(append);
            }

            using var commit = StartCommitSpan(batch);
            if (batch.Count > 1 && await TryCommitTogetherAsync(batch))
            {
                continue;
            }

            // Behind a balancer a shipment's check-ins arrive at different instances, so a cached state
            // is often stale, and one stale append fails the whole batch. Those whose streams moved are
            // answered as conflicts (they reload and decide again); the rest commit together once more.
            var rest = batch.Count > 1 ? await AnswerMovedStreamsAsync(batch) : batch;
            if (rest.Count > 1 && rest.Count < batch.Count && await TryCommitTogetherAsync(rest))
            {
                continue;
            }

            foreach (var append in rest)
            {
                await CommitAloneAsync(append);
            }
        }
    }

    private async Task<bool> TryCommitTogetherAsync(IReadOnlyList<PendingAppend> batch)
    {
        var results = new List<AppendResult>(batch.Count);
        try
        {
            await using var session = _store.LightweightSession();
            foreach (var append in batch)
            {
                results.Add(Enlist(session, append.State, append.Events, append.Alerts, append.Caller));
            }

            _snapshots.Queue(session, results.Select(r => r.State!).ToArray());
            ScanReceipts.Queue(session, batch.Select(a => a.Scan).OfType<ScanWrite>().ToArray());

            await session.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            // One of them conflicted or was a duplicate: each gets its own transaction and answer.
            return false;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            Remember(results[i].State!);
            batch[i].Done.TrySetResult(results[i]);
        }

        return true;
    }

    /// <summary>
    /// Answers the appends whose stream is no longer at the version they were decided on (its snapshot,
    /// written with every append, says where it is) with <see cref="AppendOutcome.VersionConflict"/>, and
    /// returns the others. One query, only after a batch failed.
    /// </summary>
    private async Task<IReadOnlyList<PendingAppend>> AnswerMovedStreamsAsync(IReadOnlyList<PendingAppend> batch)
    {
        IReadOnlyList<Shipment> current;
        try
        {
            await using var session = _store.QuerySession();
            current = await session.LoadManyAsync<Shipment>(CancellationToken.None, batch.Select(a => a.State.Id).ToArray());
        }
        catch (Exception)
        {
            return batch; // each commits alone and gets its own answer
        }

        var versions = current.ToDictionary(s => s.Id, s => s.Version);
        var rest = new List<PendingAppend>(batch.Count);
        foreach (var append in batch)
        {
            if (versions.TryGetValue(append.State.Id, out var version) && version != append.State.Version)
            {
                _states.Remove(append.State.Id);
                append.Done.TrySetResult(new AppendResult(AppendOutcome.VersionConflict, null));
            }
            else
            {
                rest.Add(append);
            }
        }

        return rest;
    }

    private async Task CommitAloneAsync(PendingAppend append)
    {
        try
        {
            await using var session = _store.LightweightSession();
            var enlisted = Enlist(session, append.State, append.Events, append.Alerts, append.Caller);
            _snapshots.Queue(session, [enlisted.State!]);
            if (append.Scan is { } scan)
            {
                ScanReceipts.Queue(session, [scan]);
            }

            var result = await SaveAsync(session, append.State, enlisted, CancellationToken.None);
            if (result.State is not null)
            {
                Remember(result.State);
            }

            append.Done.TrySetResult(result);
        }
        catch (Exception ex)
        {
            append.Done.TrySetException(ex);
        }
    }

    private static Activity? Traced(Activity? activity) => activity is { Recorded: true } ? activity : null;

    /// <summary>
    /// The span of one group commit, linked both ways with the spans of the scans it carries: a
    /// scan's trace shows which commit made it durable, and the commit shows whom it served.
    /// </summary>
    private static Activity? StartCommitSpan(IReadOnlyList<PendingAppend> batch)
    {
        var callers = batch.Select(a => a.Caller).OfType<Activity>().ToArray();
        if (callers.Length == 0)
        {
            return null;
        }

        var commit = Telemetry.Source.StartActivity("group commit", ActivityKind.Internal, parentContext: default,
            links: callers.Select(c => new ActivityLink(c.Context)));
        if (commit is null)
        {
            return null;
        }

        commit.SetTag("tracktrace.commit.appends", batch.Count);
        foreach (var caller in callers)
        {
            caller.AddLink(new ActivityLink(commit.Context));
        }

        return commit;
    }

    /// <summary>The alerts these facts call for that their devices' budgets still allow; most facts call for none.</summary>
    private async Task<IReadOnlyList<AlertRaised>> AlertsForAsync(IReadOnlyList<object> events, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var wanted = events.OfType<IShipmentFact>().Select(e => AlertRules.For(e, Alert.NewId(), now)).OfType<AlertRaised>().ToArray();
        return wanted.Length == 0 ? [] : await _budget.AdmitAsync(wanted, ct);
    }

    /// <summary>The snapshot with its next due time: the fold needs no route, the write path adds what needs one.</summary>
    private Shipment Scheduled(Shipment state) =>
        state with { NextDueAt = ShipmentSchedule.NextDue(state, _routes.Get(state.RouteId)) };

    private AppendResult Enlist(
        IDocumentSession session, Shipment state, IReadOnlyList<object> events, IReadOnlyList<AlertRaised> alerts, Activity? caller)
    {
        var next = Scheduled(events.Aggregate(state, Shipment.Fold));
        var appended = session.Events.Append(state.Id, next.Version, events.ToArray());
        if (caller?.Id is { } traceParent)
        {
            foreach (var e in appended.Events)
            {
                e.SetHeader(Telemetry.TraceParentHeader, traceParent);
            }
        }

        foreach (var alert in alerts)
        {
            session.Events.StartStream<Alert>(alert.AlertId, alert);
        }

        return new AppendResult(AppendOutcome.Appended, next);
    }

    /// <summary>Saves what was enlisted for one append; a conflict or a retry becomes its outcome.</summary>
    private async Task<AppendResult> SaveAsync(IDocumentSession session, Shipment state, AppendResult enlisted, CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (ConcurrencyException)
        {
            _states.Remove(state.Id);
            return new AppendResult(AppendOutcome.VersionConflict, null);
        }
        catch (Exception ex) when (ex is DocumentAlreadyExistsException || ScanReceipts.IsDuplicate(ex))
        {
            return new AppendResult(AppendOutcome.AlreadyRecorded, null);
        }

        return enlisted;
    }
}
