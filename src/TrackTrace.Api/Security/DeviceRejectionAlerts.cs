using TrackTrace.Api.Alerts;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>Raises a device-rejected alert, at most one per certificate and reason per window (<see cref="WindowedAlerts"/>).</summary>
public sealed class DeviceRejectionAlerts(WindowedAlerts alerts)
{
    public Task RaiseAsync(string fingerprint, string subject, Device? device, DeviceRejection rejection)
    {
        Metrics.DeviceRejections.Add(1);
        var who = device is null ? $"certificate {subject}" : $"device '{device.DeviceId}'";
        return alerts.RaiseAsync("rejected", fingerprint + rejection.Reason, (alertId, now) => new AlertRaised(alertId,
            AlertTypes.DeviceRejected, $"Rejected {who}: {rejection.Reason}",
            $"{rejection.Detail}. Certificate {subject}, SHA-256 {fingerprint}. Repeats within {alerts.Window} are not alerted again.",
            null, device?.DeviceId, device?.StationId, now));
    }
}
