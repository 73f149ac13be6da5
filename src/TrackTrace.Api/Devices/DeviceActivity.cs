using System.Collections.Concurrent;
using Marten;

namespace TrackTrace.Api.Devices;

/// <summary>When a device was last seen: operational telemetry, not an audited fact.</summary>
public sealed record DeviceLastSeen(string Id, DateTimeOffset At);

/// <summary>
/// Collects "last seen" in memory and writes it in one batch every few seconds, so a busy scanner
/// does not cost a database write per request.
/// </summary>
public sealed class DeviceActivity(IDocumentStore store, ILogger<DeviceActivity> logger) : BackgroundService
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(5);
    private ConcurrentDictionary<string, DateTimeOffset> _pending = new();

    public void Seen(string deviceId, DateTimeOffset at) => _pending[deviceId] = at;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            await FlushAsync(CancellationToken.None);
        }
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, DateTimeOffset>());
        try
        {
            await using var session = store.LightweightSession();
            session.Store(batch.Select(p => new DeviceLastSeen(p.Key, p.Value)).ToArray());
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not record last-seen times of {Count} devices", batch.Count);
        }
    }
}
