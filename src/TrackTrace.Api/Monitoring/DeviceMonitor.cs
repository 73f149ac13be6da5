using Microsoft.Extensions.Options;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Devices;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Monitoring;

public enum MonitorSuspension
{
    /// <summary>This call suspended the device.</summary>
    Suspended,

    /// <summary>It was suspended already (by someone, or by another instance a moment ago).</summary>
    AlreadySuspended,

    /// <summary>The decider refused (an admin is never suspended by a rule), or the device is gone.</summary>
    Refused,
}

/// <summary>
/// What the monitoring rules may do, one way each, for every rule (a new one acts through these too):
/// suspend a device exactly as an admin would (<see cref="DeviceRegistry"/> and <see cref="DeviceDecider.Suspend"/>,
/// audited as <c>monitor:{rule}</c>, instant on every instance, undone by an admin's resume), and raise
/// device alerts, at most once per rule, subject and <see cref="MonitoringOptions.MonitorAlertWindow"/>
/// (the alert id is derived from them, so instances never raise one twice).
/// </summary>
public sealed class DeviceMonitor(
    DeviceRegistry registry, WindowedAlerts alerts, IOptions<MonitoringOptions> options, TimeProvider clock,
    ILogger<DeviceMonitor> logger)
{
    public async Task<(MonitorSuspension Outcome, Refusal? Refusal)> SuspendAsync(
        string rule, string deviceId, string reason, CancellationToken ct)
    {
        // The registry decides again after a conflict; what the last decision said is what was stored.
        var suspendedHere = false;
        var result = await registry.ChangeAsync(deviceId, device =>
        {
            var decision = DeviceDecider.Suspend(device, reason, MonitorRules.By(rule), clock.GetUtcNow());
            suspendedHere = decision.Events.Count > 0;
            return decision;
        }, ct);
        if (result.Refusal is { } refusal)
        {
            return (MonitorSuspension.Refused, refusal);
        }

        if (suspendedHere)
        {
            logger.LogWarning("Monitor rule {Rule} suspended device {DeviceId}: {Reason}", rule, deviceId, reason);
            return (MonitorSuspension.Suspended, null);
        }

        return (MonitorSuspension.AlreadySuspended, null);
    }

    /// <summary>Raises the alert unless this rule raised one for this subject in the current window.</summary>
    /// <param name="subject">What the alert is about within the rule, e.g. device and address; hashed into the id.</param>
    public Task RaiseOnceAsync(string rule, string subject, Func<string, DateTimeOffset, AlertRaised> alert) =>
        alerts.RaiseAsync($"monitor-{rule}", subject, options.Value.MonitorAlertWindow, alert);

    /// <summary>Stores one alert; one stored before under the same id (by another instance) counts as raised.</summary>
    public Task<bool> RaiseAsync(AlertRaised raised) => alerts.StoreAsync(raised);
}
