using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Monitoring;

/// <summary>
/// Where and how often devices are seen, collected in memory on the request path (no database work
/// there) and written every <see cref="MonitoringOptions.SightingsFlushInterval"/> in one round trip
/// (<see cref="SightingLedger"/>); what a flush finds goes to the rules (<see cref="SightingRules"/>).
/// A flush that fails is kept for the next one, within a bound.
/// </summary>
public sealed class DeviceSightings(
    SightingLedger ledger, SightingRules rules, IOptions<MonitoringOptions> options, TimeProvider clock,
    ILogger<DeviceSightings> logger) : BackgroundService
{
    // About 200 bytes each: a bound of about 40 MB while the database does not answer.
    private const int MaxPending = 200_000;
    private static readonly TimeSpan ForgetEvery = TimeSpan.FromHours(1);

    private readonly MonitoringOptions _options = options.Value;
    private readonly ConcurrentDictionary<(string Fingerprint, IPAddress Address), Spell> _sightings = new();
    private readonly ConcurrentDictionary<(string DeviceId, DateTimeOffset Minute), Tally> _scans = new();
    private DateTimeOffset _nextForget = DateTimeOffset.MinValue;

    /// <summary>A request authenticated as <paramref name="device"/> with this certificate from this address.</summary>
    public void Seen(string fingerprint, IPAddress? address, Device device, DateTimeOffset at)
    {
        if (!_options.Sightings || address is null)
        {
            return;
        }

        var key = (fingerprint, address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        Record(_sightings, key, spell => spell.Add(device.DeviceId, device.StationId, at, at, 1));
    }

    /// <summary>A scan request of this scanner, for the scan-rate rule.</summary>
    public void Scanned(string deviceId)
    {
        if (!_options.IsOn(MonitorRules.ScanRate))
        {
            return;
        }

        var now = clock.GetUtcNow();
        var minute = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        Record(_scans, (deviceId, minute), tally => tally.Add(1));
    }

    /// <summary>Writes what was seen since the last flush and lets the rules judge it; tests call it to skip the wait.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var sightings = Drain(_sightings, (key, spell) => spell.Take() is { } s
            ? new SightingBatchRow(key.Fingerprint, key.Address, s.DeviceId, s.StationId, s.First, s.Last, s.Requests)
            : null);
        var scans = Drain(_scans, (key, tally) => tally.Take() is int n ? new ScanTally(key.DeviceId, key.Minute, n) : null);
        if (sightings.Count == 0 && scans.Count == 0)
        {
            // Nothing new, but what the rules left unfinished is tried again.
            await rules.JudgeAsync([], [], [], ct);
            return;
        }

        IReadOnlyList<CloneCandidate> clones;
        IReadOnlyList<ScanRateCrossing> crossings;
        try
        {
            (clones, crossings) = await ledger.WriteAsync(sightings, scans, _options.CloneWindow,
                _options.IsOn(MonitorRules.CertificateClone),
                _options.IsOn(MonitorRules.ScanRate) ? _options.MaxScansPerMinute : null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not record {Sightings} sightings and {Scans} scan counts; kept for the next flush",
                sightings.Count, scans.Count);
            foreach (var s in sightings)
            {
                Record(_sightings, (s.Fingerprint, s.Address), spell => spell.Add(s.DeviceId, s.StationId, s.FirstSeen, s.LastSeen, s.Requests));
            }

            foreach (var s in scans)
            {
                Record(_scans, (s.DeviceId, s.Minute), tally => tally.Add(s.Scans));
            }

            return;
        }

        await rules.JudgeAsync(sightings, clones, crossings, ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SightingsFlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
                await ForgetOldAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            await FlushAsync(CancellationToken.None);
        }
    }

    private async Task ForgetOldAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now < _nextForget)
        {
            return;
        }

        _nextForget = now + ForgetEvery;
        try
        {
            await ledger.ForgetAsync(now - _options.SightingsRetention, now - ForgetEvery, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not forget old sightings");
        }
    }

    // Entries stay in the map between flushes and are removed once a flush finds them idle; the
    // entry's lock orders a request's update against the flush that takes or removes it, so nothing
    // counted is lost (an update that finds its entry removed starts a new one).
    private static void Record<TKey, TEntry>(ConcurrentDictionary<TKey, TEntry> map, TKey key, Action<TEntry> update)
        where TKey : notnull where TEntry : Entry, new()
    {
        while (true)
        {
            if (map.Count >= MaxPending && !map.ContainsKey(key))
            {
                Metrics.SightingsDropped.Add(1);
                return;
            }

            var entry = map.GetOrAdd(key, _ => new TEntry());
            lock (entry)
            {
                if (!entry.Removed)
                {
                    update(entry);
                    return;
                }
            }
        }
    }

    private static List<TRow> Drain<TKey, TEntry, TRow>(ConcurrentDictionary<TKey, TEntry> map, Func<TKey, TEntry, TRow?> take)
        where TKey : notnull where TEntry : Entry where TRow : class
    {
        var rows = new List<TRow>();
        foreach (var (key, entry) in map)
        {
            lock (entry)
            {
                if (take(key, entry) is { } row)
                {
                    rows.Add(row);
                }
                else
                {
                    entry.Removed = true;
                    map.TryRemove(key, out _);
                }
            }
        }

        return rows;
    }

    private abstract class Entry
    {
        public bool Removed { get; set; }
    }

    private sealed class Spell : Entry
    {
        private string? _deviceId;
        private string? _stationId;
        private DateTimeOffset _first;
        private DateTimeOffset _last;
        private long _requests;

        public void Add(string deviceId, string? stationId, DateTimeOffset first, DateTimeOffset last, long requests)
        {
            if (_requests == 0 || first < _first)
            {
                _first = first;
            }

            if (_requests == 0 || last > _last)
            {
                _last = last;
            }

            (_deviceId, _stationId) = (deviceId, stationId);
            _requests += requests;
        }

        public (string DeviceId, string? StationId, DateTimeOffset First, DateTimeOffset Last, long Requests)? Take()
        {
            if (_requests == 0)
            {
                return null;
            }

            var taken = (_deviceId!, _stationId, _first, _last, _requests);
            _requests = 0;
            return taken;
        }
    }

    private sealed class Tally : Entry
    {
        private int _count;

        public void Add(int count) => _count += count;

        public int? Take()
        {
            var taken = _count;
            _count = 0;
            return taken == 0 ? null : taken;
        }
    }
}
