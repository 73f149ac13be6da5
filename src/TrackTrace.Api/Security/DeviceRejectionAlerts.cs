using JasperFx;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// Raises a device-rejected alert, at most one per certificate and reason per window. The alert's
/// stream key is derived from (fingerprint, reason, window), so the database keeps the limit across
/// instances and a local memory spares it the repeats.
/// </summary>
public sealed class DeviceRejectionAlerts(
    IDocumentStore store, TimeProvider clock, IOptions<DeviceOptions> options, ILogger<DeviceRejectionAlerts> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _raised = new();

    public async Task RaiseAsync(string fingerprint, string subject, Device? device, DeviceRejection rejection)
    {
        Metrics.DeviceRejections.Add(1);
        var now = clock.GetUtcNow();
        var window = options.Value.RejectionAlertWindow;
        var windowIndex = now.ToUnixTimeMilliseconds() / (long)window.TotalMilliseconds;
        var alertId = $"{Alert.StreamPrefix}rejected-{Short(fingerprint + rejection.Reason)}-{windowIndex}";
        if (!_raised.TryAdd(alertId, now))
        {
            return;
        }

        foreach (var (key, at) in _raised)
        {
            if (now - at > window)
            {
                _raised.TryRemove(key, out _);
            }
        }

        var who = device is null ? $"certificate {subject}" : $"device '{device.DeviceId}'";
        var raised = new AlertRaised(alertId, AlertTypes.DeviceRejected, $"Rejected {who}: {rejection.Reason}",
            $"{rejection.Detail}. Certificate {subject}, SHA-256 {fingerprint}. Repeats within {window} are not alerted again.",
            null, device?.DeviceId, device?.StationId, now);
        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<Alert>(alertId, raised);
            await session.SaveChangesAsync();
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            // Another instance raised it within this window.
        }
        catch (Exception ex)
        {
            // The refusal itself must not depend on the alert being stored.
            _raised.TryRemove(alertId, out _);
            logger.LogError(ex, "Could not store the device-rejected alert {AlertId}", alertId);
        }
    }

    private static string Short(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..20];
}
