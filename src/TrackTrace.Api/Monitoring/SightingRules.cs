using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Stations;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Monitoring;

/// <summary>
/// The rules that judge what devices were seen doing, after each flush of sightings: a certificate in
/// use from two addresses at once (suspend), a scanner outside its station's networks (alert), a
/// scanner scanning too fast (alert). Each acts through <see cref="DeviceMonitor"/>, as
/// <c>monitor:{rule}</c>, and only when switched on.
/// </summary>
public sealed class SightingRules(
    DeviceMonitor monitor, StationLookup stations, IOptions<MonitoringOptions> options, TimeProvider clock,
    ILogger<SightingRules> logger)
{
    private readonly MonitoringOptions _options = options.Value;

    // Stations never change, so their networks are parsed once.
    private readonly ConcurrentDictionary<string, IReadOnlyList<IPNetwork>> _networks = new();

    public async Task JudgeAsync(
        IReadOnlyList<SightingBatchRow> seen, IReadOnlyList<CloneCandidate> clones, IReadOnlyList<ScanRateCrossing> crossings,
        CancellationToken ct)
    {
        // One rule's trouble (the database gone for a moment) must not keep the others from judging.
        await Guarded(MonitorRules.CertificateClone, () => ClonesAsync(seen, clones, ct));
        await Guarded(MonitorRules.OutsideNetwork, () => NetworksAsync(seen, ct));
        await Guarded(MonitorRules.ScanRate, () => ScanRatesAsync(crossings));
    }

    private async Task ClonesAsync(IReadOnlyList<SightingBatchRow> seen, IReadOnlyList<CloneCandidate> candidates, CancellationToken ct)
    {
        foreach (var device in candidates.GroupBy(c => c.DeviceId))
        {
            if (device.FirstOrDefault(c => CertificateClones.InUseTogether(c.Used, c.Other, c.WatchedFrom)) is not { } clone)
            {
                continue;
            }

            var reason = CertificateClones.Reason(clone.Used, clone.Other, _options.CloneWindow);
            var stationId = seen.FirstOrDefault(s => s.DeviceId == device.Key)?.StationId;
            var (outcome, refusal) = await monitor.SuspendAsync(MonitorRules.CertificateClone, device.Key, reason, ct);
            var where = $"{clone.Used.Address} ({clone.Used.From:u} to {clone.Used.To:u}) and {clone.Other.Address} ({clone.Other.From:u} to {clone.Other.To:u})";
            switch (outcome)
            {
                case MonitorSuspension.Suspended:
                    await monitor.RaiseAsync(new AlertRaised(Alert.NewId(), AlertTypes.DeviceCloneSuspected,
                        $"Clone suspected: device '{device.Key}' suspended",
                        $"One certificate of device '{device.Key}' was in use from {where}, both within {_options.CloneWindow:c} of each " +
                        $"other: two holders of its key are suspected. The device was suspended (audited as monitor:{MonitorRules.CertificateClone}); " +
                        $"its accepted scans stand. Find the genuine one, then resume it with POST /api/devices/{device.Key}/resume " +
                        "(sightings before the resume no longer count) or retire the certificate.",
                        null, device.Key, stationId, clock.GetUtcNow()));
                    break;
                case MonitorSuspension.Refused:
                    await monitor.RaiseOnceAsync(MonitorRules.CertificateClone, device.Key, (id, now) => new AlertRaised(id,
                        AlertTypes.DeviceCloneSuspected, $"Clone suspected: device '{device.Key}' (not suspended)",
                        $"One certificate of device '{device.Key}' was in use from {where} at once (monitor:{MonitorRules.CertificateClone}). " +
                        $"It was not suspended: {refusal!.Detail}",
                        null, device.Key, stationId, now));
                    break;
                case MonitorSuspension.AlreadySuspended:
                    break;
            }
        }
    }

    private async Task NetworksAsync(IReadOnlyList<SightingBatchRow> seen, CancellationToken ct)
    {
        if (!_options.IsOn(MonitorRules.OutsideNetwork))
        {
            return;
        }

        foreach (var sighting in seen)
        {
            if (sighting.StationId is not { } stationId || await NetworksOfAsync(stationId, ct) is not { Count: > 0 } networks ||
                IpNetworks.Contains(networks, sighting.Address))
            {
                continue;
            }

            await monitor.RaiseOnceAsync(MonitorRules.OutsideNetwork, $"{sighting.DeviceId}|{sighting.Address}", (id, now) =>
                new AlertRaised(id, AlertTypes.DeviceOutsideNetwork,
                    $"Scanner '{sighting.DeviceId}' outside the networks of {stationId}",
                    $"Scanner '{sighting.DeviceId}' of station {stationId} connected from {sighting.Address} ({sighting.Requests} requests " +
                    $"{sighting.FirstSeen:u} to {sighting.LastSeen:u}), outside the station's allowed networks " +
                    $"{string.Join(", ", networks)}. It was not suspended; repeats from this address within {_options.MonitorAlertWindow:c} " +
                    $"are not alerted again. Raised by monitor:{MonitorRules.OutsideNetwork}.",
                    null, sighting.DeviceId, stationId, now));
        }
    }

    private async Task ScanRatesAsync(IReadOnlyList<ScanRateCrossing> crossings)
    {
        foreach (var crossing in crossings)
        {
            await monitor.RaiseOnceAsync(MonitorRules.ScanRate, crossing.DeviceId, (id, now) => new AlertRaised(id,
                AlertTypes.ScanRateExceeded, $"Scanner '{crossing.DeviceId}' scans faster than {_options.MaxScansPerMinute} a minute",
                $"Scanner '{crossing.DeviceId}' sent more than {_options.MaxScansPerMinute} scans in the minute from {crossing.Minute:u} " +
                $"(over all instances). A copied certificate, a stuck trigger or a script? It was not suspended; " +
                $"further minutes over the limit within {_options.MonitorAlertWindow:c} are not alerted again. Raised by monitor:{MonitorRules.ScanRate}.",
                null, crossing.DeviceId, null, now));
        }
    }

    private async Task<IReadOnlyList<IPNetwork>?> NetworksOfAsync(string stationId, CancellationToken ct)
    {
        if (_networks.TryGetValue(stationId, out var known))
        {
            return known;
        }

        if (await stations.FindAsync(stationId, ct) is not { } station)
        {
            return null;
        }

        return _networks[stationId] = IpNetworks.Parse(station.AllowedNetworks);
    }

    private async Task Guarded(string rule, Func<Task> judge)
    {
        try
        {
            await judge();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Monitor rule {Rule} could not judge this flush", rule);
        }
    }
}
