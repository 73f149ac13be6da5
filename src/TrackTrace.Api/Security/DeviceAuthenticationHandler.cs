using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Devices;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// Turns the TLS client certificate into a device, on every request: the certificate must be
/// inside its validity period now (a keep-alive connection can outlive it), enrolled, and its
/// device must carry the expected attributes. Refusals are 403 problem+json naming the attribute.
/// For endpoints marked <see cref="DeviceCheckedInWrite"/> (the scan, the hot path) a device seen
/// before is taken as it was, and the check moves into the write's own transaction
/// (<see cref="DeviceWriteGuard"/>): one round trip to PostgreSQL per scan instead of two, and the
/// database still decides, at commit, with what it holds then.
/// </summary>
public sealed class DeviceAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    DeviceSightings sightings,
    DeviceDirectory directory,
    DeviceGate gate,
    DeviceAccessPolicy policy,
    DeviceActivity activity,
    CertificateSuccession succession,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Device";

    private DeviceRejection? _rejection;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Devices are authenticated on the mTLS listener only. The enrollment listener asks for no
        // client certificate (a device enrolling has none yet); its endpoints check their own credentials.
        if (Listeners.Of(Context) != Listener.Api)
        {
            return AuthenticateResult.NoResult();
        }

        var certificate = Context.Connection.ClientCertificate;
        if (certificate is null)
        {
            return AuthenticateResult.NoResult();
        }

        using var span = Telemetry.Source.StartActivity("device check");
        var now = clock.GetUtcNow();
        _rejection = DevicePrincipal.CheckValidity(certificate, now);
        if (_rejection is not null)
        {
            return AuthenticateResult.Fail(_rejection.Detail);
        }

        var fingerprint = Fingerprints.Sha256(certificate);
        var checkedInWrite = Context.GetEndpoint()?.Metadata.GetMetadata<DeviceCheckedInWrite>() is not null;
        var record = checkedInWrite ? directory.Recent(fingerprint) : null;
        if (record is null || policy.Check(record.Device, fingerprint, now) is not null)
        {
            (record, _rejection) = await gate.CheckAsync(fingerprint, certificate.Subject, Context.RequestAborted);
            span?.SetTag("tracktrace.device.checked", "attribute-store");
            if (_rejection is not null)
            {
                span?.SetTag("tracktrace.device.rejected", _rejection.Reason);
                Logger.LogWarning("Refused {Subject} ({Fingerprint}) for {Method} {Path}: {Reason} {Attribute}",
                    certificate.Subject, fingerprint, Request.Method, Request.Path, _rejection.Reason, _rejection.Attribute);
                return AuthenticateResult.Fail(_rejection.Detail);
            }
        }

        if (record!.Device.RetiredOnFirstUseOf(fingerprint).Count > 0)
        {
            // The first request with a renewed certificate: retire what it renewed (once), then judge the device as it is now.
            await succession.FirstUseAsync(record.Device, fingerprint);
            (record, _rejection) = await gate.CheckAsync(fingerprint, certificate.Subject, Context.RequestAborted);
            if (_rejection is not null)
            {
                return AuthenticateResult.Fail(_rejection.Detail);
            }
        }

        var device = record!.Device;
        span?.SetTag("tracktrace.device.id", device.DeviceId);
        if (checkedInWrite)
        {
            Context.Features.Set(new DeviceWriteGuard(device.Id, record.Version, fingerprint));
        }

        activity.Seen(device.DeviceId, now);
        sightings.Seen(fingerprint, Context.Connection.RemoteIpAddress, device, now);
        return AuthenticateResult.Success(new AuthenticationTicket(DevicePrincipal.Create(device, fingerprint, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_rejection is null)
        {
            return Problems.Write(Context, StatusCodes.Status401Unauthorized, "client-certificate-required",
                "A client certificate is required",
                "Present an X.509 client certificate issued by the operator's TrackTrace CA.");
        }

        return Problems.Write(Context, StatusCodes.Status403Forbidden, "device-rejected", "Device rejected",
            _rejection.Detail, DeviceGate.Extensions(_rejection));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var endpoint = Context.GetEndpoint();
        var allowed = endpoint?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
            .Select(a => a.Policy).OfType<string>().SelectMany(p => Roles.Policies.GetValueOrDefault(p, [p]))
            .Distinct().ToArray() ?? [];
        return Problems.Write(Context, StatusCodes.Status403Forbidden, "role-not-allowed", "Role not allowed",
            $"A device with role '{Context.User.FindFirstValue(ClaimTypes.Role)}' may not call {Request.Method} {Request.Path}.",
            new Dictionary<string, object?> { ["attribute"] = "role", ["allowedRoles"] = allowed });
    }
}
