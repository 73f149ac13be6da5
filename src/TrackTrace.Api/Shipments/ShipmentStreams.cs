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
/// same transaction, one round trip. The last known state of busy shipments is kept in memory;
/// a stale copy (another instance moved the stream) only costs a version conflict and a reload.
/// </summary>
public sealed class ShipmentStreams(IDocumentStore store, TimeProvider clock)
{
    private readonly MemoryCache _states = new(new MemoryCacheOptions { SizeLimit = 200_000 });
    private static readonly MemoryCacheEntryOptions Entry =
        new MemoryCacheEntryOptions().SetSize(1).SetSlidingExpiration(TimeSpan.FromMinutes(20));

    public async Task<Shipment?> LoadAsync(string shipmentId, bool fresh, CancellationToken ct)
    {
        if (!fresh && _states.TryGetValue(shipmentId, out Shipment? cached))
        {
            return cached;
        }

        await using var session = store.QuerySession();
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
            await using var session = store.LightweightSession();
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

    public async Task<AppendResult> AppendAsync(
        Shipment state, IReadOnlyList<object> events, Action<IDocumentSession>? alongside, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var result = await AppendAsync(session, state, events, alongside, ct);
        if (result.State is not null)
        {
            Remember(result.State);
        }

        return result;
    }

    /// <summary>
    /// Appends inside a transaction the caller owns (e.g. with the readings that caused a breach).
    /// The caller commits, then calls <see cref="Remember"/>; on a conflict it rolls back and retries.
    /// </summary>
    public async Task<AppendResult> AppendAsync(
        NpgsqlTransaction transaction, Shipment state, IReadOnlyList<object> events, CancellationToken ct)
    {
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, false));
        return await AppendAsync(session, state, events, null, ct);
    }

    public void Remember(Shipment state) => _states.Set(state.Id, state, Entry);

    private async Task<AppendResult> AppendAsync(
        IDocumentSession session, Shipment state, IReadOnlyList<object> events, Action<IDocumentSession>? alongside,
        CancellationToken ct)
    {
        var next = events.Aggregate(state, Shipment.Fold);
        var now = clock.GetUtcNow();
        var alerts = events.Select(e => AlertRules.For(e, now)).OfType<AlertRaised>().ToArray();
        session.Events.Append(state.Id, next.Version, events.ToArray());
        session.Store(next);
        foreach (var alert in alerts)
        {
            session.Events.StartStream<Alert>(alert.AlertId, alert);
        }

        alongside?.Invoke(session);
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

        return new AppendResult(AppendOutcome.Appended, next, alerts);
    }
}
