using TrackTrace.Api.Alerts;
using TrackTrace.Api.Devices;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// What the per-request device check learns about renewals, without a write per request: the first
/// request with a renewed certificate retires the certificates it renewed (once per renewal), and a
/// request with a certificate retired that way means its key is in two hands, so the device is
/// suspended (as an admin's suspension would) and a device-clone-suspected alert raised.
/// </summary>
public sealed class CertificateSuccession(
    DeviceRegistry registry, WindowedAlerts alerts, TimeProvider clock, ILogger<CertificateSuccession> logger)
{
    /// <summary>The device authenticated with <paramref name="fingerprint"/>, a renewed certificate used for the first time.</summary>
    public async Task FirstUseAsync(Device device, string fingerprint)
    {
        // Not the request's token: a client that hangs up must not leave the old certificate half retired.
        var result = await registry.ChangeAsync(device.DeviceId,
            d => DeviceDecider.RetireRenewed(d, fingerprint, clock.GetUtcNow()), CancellationToken.None);
        if (result.Changed)
        {
            logger.LogInformation("Device {DeviceId} used its renewed certificate {Fingerprint} for the first time; retired {Count} it renewed",
                device.DeviceId, fingerprint, device.RetiredOnFirstUseOf(fingerprint).Count);
        }
    }

    /// <summary>The device's certificate <paramref name="fingerprint"/> was refused as retired; if its successor's use retired it, suspend.</summary>
    public async Task RetiredCertificateUsedAsync(Device device, string fingerprint, string subject)
    {
        if (device.RetiredCertificates.FirstOrDefault(r => r.Fingerprint == fingerprint)?.SupersededBy is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var result = await registry.ChangeAsync(device.DeviceId, d => DeviceDecider.SuspectClone(d, fingerprint, now), CancellationToken.None);
        if (!result.Changed)
        {
            return; // suspended already, by this rule or by someone else
        }

        logger.LogWarning("Device {DeviceId} suspended: its retired certificate {Fingerprint} ({Subject}) was used after its successor",
            device.DeviceId, fingerprint, subject);
        await alerts.StoreAsync(new AlertRaised(Alert.NewId(), AlertTypes.DeviceCloneSuspected,
            $"Clone suspected: device '{device.DeviceId}' suspended",
            $"A request came with certificate {subject} (SHA-256 {fingerprint}) of device '{device.DeviceId}', retired when the " +
            "device first used its renewed certificate: two parties hold the device's keys. The device was suspended; " +
            $"find out which is genuine, then enroll it again with a new token (POST /api/devices/{device.DeviceId}/enrollment-token) and resume it.",
            null, device.DeviceId, device.StationId, now));
    }
}
