using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Devices.Est;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Pki;

namespace TrackTrace.Api.Devices.EnrollingWithToken;

/// <summary>What an enrollment came to: the certificate issued and bound, or the refusal to answer with.</summary>
public sealed record EnrollmentOutcome(X509Certificate2? Certificate, Refusal? Refusal);

/// <summary>
/// POST /.well-known/est/simpleenroll: a device proves its one-time token (Basic) and a key of its
/// own (the CSR). The token is checked first, so nothing about the request is judged, and nothing
/// signed, for someone without it; then the request, then the certificate is signed and bound with
/// the token used up, in one append guarded by the stream's version: of two enrollments with one
/// token, one binds and the other is a replay. Every refusal is audited on the device's stream
/// (bounded, see <see cref="DeviceDecider.AuthorizeEnrollment"/>) and alerted at most once per device and window.
/// </summary>
public sealed class SimpleEnrollHandler(
    DeviceRegistry registry, DeviceCertificateIssuer issuer, WindowedAlerts alerts, IOptions<DeviceOptions> options,
    ILogger<SimpleEnrollHandler> logger)
{
    /// <summary>What alerts about ids no device has share: one alert per window for all of them, so guessing ids cannot flood people.</summary>
    private const string UnknownDevices = "unknown device ids";

    /// <param name="body">The request body as read (null: longer than a request may be); judged only once the token is.</param>
    public async Task<EnrollmentOutcome> EnrollAsync(
        (string DeviceId, string Token)? credentials, byte[]? body, string? from, CancellationToken ct)
    {
        if (credentials is not { } presented || !DeviceId.IsValid(presented.DeviceId))
        {
            await AlertAsync(null, "no readable credentials", from);
            return new EnrollmentOutcome(null, EnrollmentRefusals.InvalidCredentials());
        }

        var attempt = new EnrollmentAttempt(EnrollmentTokens.Hash(presented.Token), from, registry.Now, options.Value.RejectionAlertWindow);
        CertificateSigningRequest? csr = null;
        X509Certificate2? issued = null;
        var result = await registry.ChangeAsync(presented.DeviceId, device =>
        {
            var authorized = DeviceDecider.AuthorizeEnrollment(device, attempt);
            if (authorized.Refused)
            {
                return authorized;
            }

            // Decided again if another enrollment of this device commits first: read and sign once.
            if (csr is null)
            {
                var (read, refusal) = EstWire.Decode(body);
                if (refusal is not null)
                {
                    return Decision.Refuse(refusal);
                }

                csr = read!;
            }

            issued ??= issuer.Issue(csr, device.DeviceId);
            return DeviceDecider.CompleteEnrollment(device, attempt, DeviceRegistry.Describe(issued), csr.KeyDescription);
        }, ct);

        if (result.Refusal is not { } refused)
        {
            logger.LogInformation("Device {DeviceId} enrolled its own {Key} key from {From}: certificate {Fingerprint}",
                presented.DeviceId, csr!.KeyDescription, from, Fingerprints.Sha256(issued!));
            Metrics.Enrollments.Add(1);
            return new EnrollmentOutcome(issued, null);
        }

        issued?.Dispose();
        if (result.Device is null && refused.Kind == RefusalKind.NotFound)
        {
            await AlertAsync(null, "unknown device", from);
            return new EnrollmentOutcome(null, EnrollmentRefusals.InvalidCredentials());
        }

        if (refused.Kind is RefusalKind.Unauthenticated or RefusalKind.Forbidden)
        {
            logger.LogWarning("Refused the enrollment of device {DeviceId} from {From}: {Code}", presented.DeviceId, from, refused.Code);
            await AlertAsync(result.Device, refused.Code, from);
        }

        return new EnrollmentOutcome(null, refused);
    }

    private Task AlertAsync(Device? device, string why, string? from)
    {
        Metrics.EnrollmentsRefused.Add(1);
        var subject = device?.DeviceId ?? UnknownDevices;
        return alerts.RaiseAsync("enrollment", subject, (alertId, now) => new AlertRaised(alertId, AlertTypes.EnrollmentRefused,
            device is null ? "Enrollment refused for an unknown device or unreadable credentials" : $"Enrollment of device '{device.DeviceId}' refused",
            $"An EST enrollment {(device is null ? "" : $"of device '{device.DeviceId}' ")}from {from ?? "an unknown address"} was refused: {why}. " +
            $"Further refusals {(device is null ? "of unknown devices" : "of this device")} within {alerts.Window} raise no new alert; " +
            (device is null ? "the service log names them." : $"its audit (GET /api/devices/{device.DeviceId}/audit) records them."),
            null, device?.DeviceId, device?.StationId, now));
    }
}
