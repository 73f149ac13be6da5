using System.Threading.Channels;
using JasperFx;
using Marten;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments;

public enum AppendOutcome
{
    Appended,

    /// <summary>Another request appended to the stream first: reload and decide again.</summary>
    VersionConflict,

    /// <summary>A document inserted alongside (e.g. the scan receipt) already exists.</summary>
    AlreadyRecorded,
}

public sealed record AppendResult(AppendOutcome Outcome, Shipment? State, IReadOnlyList<AlertRaised> Alerts);

/// <summary>
/// The one write path for shipment streams: decide on the current state, append the events with the
/// state's version as the optimistic guard, and store the evolved snapshot and any alerts in the
/// same transaction. The last known state of busy shipments is kept in memory; a stale copy
/// (another instance moved the stream) only costs a version conflict and a reload.
/// </summary>
/// <remarks>
/// Group commit: appends that arrive while earlier ones are being committed share the next
/// transaction (at most one append per stream in it), so under load a commit carries many scans
/// instead of one; alone, an append is committed at once. A batch that fails is replayed one append
/// per transaction, so each caller gets its own answer (appended, version conflict, already recorded).
/// </remarks>
public sealed class ShipmentStreams : IAsyncDisposable
{
    private const int MaxBatch = 32;
    private const int Committers = 8;

    private static readonly MemoryCacheEntryOptions Entry =
        new MemoryCacheEntryOptions().SetSize(1).SetSlidingExpiration(TimeSpan.FromMinutes(20));

    private readonly IDocumentStore _store;
    private readonly TimeProvider _clock;
    // Shipments are scanned hours apart in life, so the cache mostly serves bursts (a journey's
    // retries, a dock clearing a trailer); 50,000 recent ones keep memory bounded (about 60 MB).
    private readonly MemoryCache _states = new(new MemoryCacheOptions { SizeLimit = 50_000 });
    private readonly Channel<PendingAppend> _pending = Channel.CreateUnbounded<PendingAppend>();
    private readonly Task[] _committers;

    public ShipmentStreams(IDocumentStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
        _committers = Enumerable.Range(0, Committers).Select(_ => Task.Run(CommitLoopAsync)).ToArray();
    }

    private sealed record PendingAppend(
        Shipment State, IReadOnlyList<object> Events, Action<IDocumentSession>? Alongside,
        TaskCompletionSource<AppendResult> Done);

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

    /// <summary>Starts a shipment's stream; false when the id is taken.</summary>
    public async Task<bool> StartAsync(ShipmentRegistered registered, CancellationToken ct)
    {
        var state = Shipment.Create(registered);
        try
        {
            await using var session = _store.LightweightSession();
            session.Events.StartStream<Shipment>(registered.ShipmentId, registered);
            session.Store(state);
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            return false;
        }

        Remember(state);
        return true;
    }

    public Task<AppendResult> AppendAsync(
        Shipment state, IReadOnlyList<object> events, Action<IDocumentSession>? alongside, CancellationToken ct)
    {
        var done = new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite(new PendingAppend(state, events, alongside, done)))
        {
            throw new ObjectDisposedException(nameof(ShipmentStreams));
        }

        // The append commits (or not) whatever the caller does now; only the wait is cancelled.
        return done.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Appends inside a transaction the caller owns (e.g. with the readings that caused a breach).
    /// The caller commits, then calls <see cref="Remember"/>; on a conflict it rolls back and retries.
    /// </summary>
    public async Task<AppendResult> AppendAsync(
        NpgsqlTransaction transaction, Shipment state, IReadOnlyList<object> events, CancellationToken ct)
    {
        await using var session = _store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, false));
        return await AppendAsync(session, state, events, null, ct);
    }

    public void Remember(Shipment state) => _states.Set(state.Id, state, Entry);

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

            if (batch.Count > 1 && await TryCommitTogetherAsync(batch))
            {
                continue;
            }

            foreach (var append in batch)
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
                results.Add(Enlist(session, append.State, append.Events, append.Alongside));
            }

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

    private async Task CommitAloneAsync(PendingAppend append)
    {
        try
        {
            await using var session = _store.LightweightSession();
            var result = await AppendAsync(session, append.State, append.Events, append.Alongside, CancellationToken.None);
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

    private AppendResult Enlist(
        IDocumentSession session, Shipment state, IReadOnlyList<object> events, Action<IDocumentSession>? alongside)
    {
        var next = events.Aggregate(state, Shipment.Fold);
        var now = _clock.GetUtcNow();
        var alerts = events.Select(e => AlertRules.For(e, now)).OfType<AlertRaised>().ToArray();
        session.Events.Append(state.Id, next.Version, events.ToArray());
        session.Store(next);
        foreach (var alert in alerts)
        {
            session.Events.StartStream<Alert>(alert.AlertId, alert);
        }

        alongside?.Invoke(session);
        return new AppendResult(AppendOutcome.Appended, next, alerts);
    }

    private async Task<AppendResult> AppendAsync(
        IDocumentSession session, Shipment state, IReadOnlyList<object> events, Action<IDocumentSession>? alongside,
        CancellationToken ct)
    {
        var result = Enlist(session, state, events, alongside);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (ConcurrencyException)
        {
            _states.Remove(state.Id);
            return new AppendResult(AppendOutcome.VersionConflict, null, []);
        }
        catch (DocumentAlreadyExistsException)
        {
            return new AppendResult(AppendOutcome.AlreadyRecorded, null, []);
        }

        return result;
    }
}
