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
    DeviceMonitor monitor, SightingLedger ledger, StationLookup stations, IOptions<MonitoringOptions> options, TimeProvider clock,
    ILogger<SightingRules> logger)
{
    // Actions left unfinished (about 1 KB each) beyond this are dropped, logged and counted.
    private const int MaxUnfinished = 10_000;

    private readonly MonitoringOptions _options = options.Value;

    // Stations never change, so their networks are parsed once.
    private readonly ConcurrentDictionary<string, IReadOnlyList<IPNetwork>> _networks = new();

    // What a rule decided but could not carry out (the database gone for a moment) is tried again at
    // every flush until it is done: a clone found once is suspended even if neither half sends another
    // request. Each action may run again, so each is safe to repeat.
    private readonly ConcurrentQueue<(string Rule, Func<CancellationToken, Task> Act)> _unfinished = new();

    public async Task JudgeAsync(
        IReadOnlyList<SightingBatchRow> seen, IReadOnlyList<CloneCandidate> clones, IReadOnlyList<ScanRateCrossing> crossings,
        CancellationToken ct)
    {
        for (var left = _unfinished.Count; left > 0 && _unfinished.TryDequeue(out var again); left--)
        {
            await AttemptAsync(again.Rule, again.Act, ct);
        }

        foreach (var device in clones.GroupBy(c => c.DeviceId))
        {
            if (device.FirstOrDefault(c => CertificateClones.InUseTogether(c.Used, c.Other, c.WatchedFrom)) is { } clone)
            {
                var stationId = seen.FirstOrDefault(s => s.DeviceId == device.Key)?.StationId;
                await AttemptAsync(MonitorRules.CertificateClone, ct => SuspendCloneAsync(device.Key, clone, stationId, ct), ct,
                    retry: ct => SuspendCloneIfStillAsync(device.Key, clone, stationId, ct));
            }
        }

        if (_options.IsOn(MonitorRules.OutsideNetwork))
        {
            foreach (var sighting in seen)
            {
                await AttemptAsync(MonitorRules.OutsideNetwork, ct => OutsideNetworkAsync(sighting, ct), ct);
            }
        }

        foreach (var crossing in crossings)
        {
            await AttemptAsync(MonitorRules.ScanRate, _ => ScanRateAsync(crossing), ct);
        }
    }

    // Tried again later, a clone still counts only if the device was not resumed since (an admin's resume outranks it).
    private async Task SuspendCloneIfStillAsync(string deviceId, CloneCandidate clone, string? stationId, CancellationToken ct)
    {
        if (CertificateClones.InUseTogether(clone.Used, clone.Other, await ledger.WatchedFromAsync(deviceId, ct)))
        {
            await SuspendCloneAsync(deviceId, clone, stationId, ct);
        }
    }

    private async Task SuspendCloneAsync(string deviceId, CloneCandidate clone, string? stationId, CancellationToken ct)
    {
        var reason = CertificateClones.Reason(clone.Used, clone.Other, _options.CloneWindow);
        var (outcome, refusal) = await monitor.SuspendAsync(MonitorRules.CertificateClone, deviceId, reason, ct);
        var where = $"{clone.Used.Address} ({clone.Used.From:u} to {clone.Used.To:u}) and {clone.Other.Address} ({clone.Other.From:u} to {clone.Other.To:u})";
        switch (outcome)
        {
            case MonitorSuspension.Suspended:
                // One id, made once: stored again after a failure, it is still one alert.
                var alert = new AlertRaised(Alert.NewId(), AlertTypes.DeviceCloneSuspected,
                    $"Clone suspected: device '{deviceId}' suspended",
                    $"One certificate of device '{deviceId}' was in use from {where}, both within {_options.CloneWindow:c} of each " +
                    $"other: two holders of its key are suspected. The device was suspended (audited as monitor:{MonitorRules.CertificateClone}); " +
                    $"its accepted scans stand. Find the genuine one, then resume it with POST /api/devices/{deviceId}/resume " +
                    "(sightings before the resume no longer count) or retire the certificate.",
                    null, deviceId, stationId, clock.GetUtcNow());
                await AttemptAsync(MonitorRules.CertificateClone, _ => monitor.RaiseAsync(alert), ct);
                break;
            case MonitorSuspension.Refused:
                await monitor.RaiseOnceAsync(MonitorRules.CertificateClone, deviceId, (id, now) => new AlertRaised(id,
                    AlertTypes.DeviceCloneSuspected, $"Clone suspected: device '{deviceId}' (not suspended)",
                    $"One certificate of device '{deviceId}' was in use from {where} at once (monitor:{MonitorRules.CertificateClone}). " +
                    $"It was not suspended: {refusal!.Detail}",
                    null, deviceId, stationId, now));
                break;
            case MonitorSuspension.AlreadySuspended:
                break;
        }
    }

    private async Task OutsideNetworkAsync(SightingBatchRow sighting, CancellationToken ct)
    {
        if (sighting.StationId is not { } stationId || await NetworksOfAsync(stationId, ct) is not { Count: > 0 } networks ||
            IpNetworks.Contains(networks, sighting.Address))
        {
            return;
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

    private Task ScanRateAsync(ScanRateCrossing crossing) =>
        monitor.RaiseOnceAsync(MonitorRules.ScanRate, crossing.DeviceId, (id, now) => new AlertRaised(id,
            AlertTypes.ScanRateExceeded, $"Scanner '{crossing.DeviceId}' scans faster than {_options.MaxScansPerMinute} a minute",
            $"Scanner '{crossing.DeviceId}' sent more than {_options.MaxScansPerMinute} scans in the minute from {crossing.Minute:u} " +
            $"(over all instances). A copied certificate, a stuck trigger or a script? It was not suspended; " +
            $"further minutes over the limit within {_options.MonitorAlertWindow:c} are not alerted again. Raised by monitor:{MonitorRules.ScanRate}.",
            null, crossing.DeviceId, null, now));

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

    // One action's trouble must not keep the others from running; what fails is kept for the next flush.
    private async Task AttemptAsync(
        string rule, Func<CancellationToken, Task> act, CancellationToken ct, Func<CancellationToken, Task>? retry = null)
    {
        try
        {
            await act(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (_unfinished.Count >= MaxUnfinished)
            {
                Metrics.MonitorActionsDropped.Add(1);
                logger.LogError(ex, "Monitor rule {Rule} could not act, and {Max} actions wait already: this one is dropped", rule, MaxUnfinished);
                return;
            }

            logger.LogError(ex, "Monitor rule {Rule} could not act; it tries again at the next flush", rule);
            _unfinished.Enqueue((rule, retry ?? act));
        }
    }
}
