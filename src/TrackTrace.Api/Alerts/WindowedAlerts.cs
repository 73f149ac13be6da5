using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Alerts;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// Alerts that repeat while someone keeps trying or something keeps happening (a rejected
/// certificate, a refused enrollment, a monitoring rule's finding) are raised at most once per
/// subject and window (<see cref="DeviceOptions.RejectionAlertWindow"/> unless the caller names its
/// own). The alert's stream key is derived from (kind, subject, window), so the database keeps the
/// limit across instances, and a local memory spares it the repeats.
/// </summary>
public sealed class WindowedAlerts(
    IDocumentStore store, TimeProvider clock, IOptions<DeviceOptions> options, ILogger<WindowedAlerts> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _raised = new();

    public TimeSpan Window => options.Value.RejectionAlertWindow;

    /// <param name="kind">Part of the alert id, e.g. "rejected" or "enrollment".</param>
    /// <param name="subject">What repeats, e.g. fingerprint and reason; hashed into the alert id.</param>
    /// <param name="alert">The alert to raise, given its id and now, when none was raised for this subject in this window.</param>
    public Task RaiseAsync(string kind, string subject, Func<string, DateTimeOffset, AlertRaised> alert) =>
        RaiseAsync(kind, subject, Window, alert);

    /// <param name="window">How long one alert stands for all repeats of its subject.</param>
    public async Task RaiseAsync(string kind, string subject, TimeSpan window, Func<string, DateTimeOffset, AlertRaised> alert)
    {
        var now = clock.GetUtcNow();
        var windowIndex = now.ToUnixTimeMilliseconds() / (long)window.TotalMilliseconds;
        var alertId = $"{Alert.StreamPrefix}{kind}-{Short(subject)}-{windowIndex}";
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

        if (!await StoreAsync(alert(alertId, now)))
        {
            _raised.TryRemove(alertId, out _);
        }
    }

    /// <summary>Stores one alert; an alert id stored before (by another instance) counts as raised. False when it could not be stored.</summary>
    public async Task<bool> StoreAsync(AlertRaised raised)
    {
        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<Alert>(raised.AlertId, raised);
            await session.SaveChangesAsync();
            return true;
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            return true;
        }
        catch (Exception ex)
        {
            // The refusal that raised it must not depend on the alert being stored.
            logger.LogError(ex, "Could not store the {Type} alert {AlertId}", raised.Type, raised.AlertId);
            return false;
        }
    }

    private static string Short(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..20];
}
