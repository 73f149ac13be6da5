using System.Collections.Concurrent;
using System.Net;

namespace TrackTrace.Bench;

/// <summary>
/// One load worker's next accepted check-in over HTTPS: the next station of its shipment
/// (<see cref="Journeys"/>), a scanner of that station's type taken in turn, the scan posted with
/// that scanner's certificate. The operation every scan scenario hands to <see cref="LoadRunner"/>.
/// </summary>
public sealed class CheckIns(IReadOnlyList<Scanner> scanners, ConcurrentQueue<string> pool, int workers)
{
    private readonly Dictionary<string, Scanner[]> _byType =
        scanners.GroupBy(s => s.StationType).ToDictionary(g => g.Key, g => g.ToArray());
    private readonly Journeys _journeys = new(pool, workers);
    private int _turn;

    /// <returns>Null when the pool is empty, true when the scan was accepted, false otherwise (after <paramref name="unexpected"/> saw the answer).</returns>
    public async Task<bool?> NextAsync(int worker, CancellationToken ct, Func<HttpResponseMessage, Task>? unexpected = null)
    {
        if (_journeys.Next(worker) is not var (shipment, type))
        {
            return null;
        }

        var candidates = _byType[type];
        var scanner = candidates[(int)((uint)Interlocked.Increment(ref _turn) % candidates.Length)];
        using var response = await scanner.Client.PostAsync("/api/scans", Fleet.ScanBody(shipment), ct);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            _journeys.Accepted(worker);
            return true;
        }

        if (unexpected is not null)
        {
            await unexpected(response);
        }

        _journeys.Abandon(worker);
        return false;
    }
}
