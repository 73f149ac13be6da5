using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Devices;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// Turns the TLS client certificate into a device, on every request: the certificate must be
/// inside its validity period now (a keep-alive connection can outlive it), enrolled, and its
/// device must carry the expected attributes. Refusals are 403 problem+json naming the attribute.
/// </summary>
public sealed class DeviceAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    DeviceDirectory directory,
    DeviceAccessPolicy policy,
    DeviceRejectionAlerts rejectionAlerts,
    DeviceActivity activity,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Device";

    private DeviceRejection? _rejection;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var certificate = Context.Connection.ClientCertificate;
        if (certificate is null)
        {
            return AuthenticateResult.NoResult();
        }

        var now = clock.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            _rejection = new DeviceRejection(RejectionReasons.CertificateNotValidNow, null,
                $"the client certificate is valid from {certificate.NotBefore.ToUniversalTime():O} to {certificate.NotAfter.ToUniversalTime():O}");
            return AuthenticateResult.Fail(_rejection.Detail);
        }

        var fingerprint = Fingerprints.Sha256(certificate);
        var device = await directory.FindByCertificateAsync(fingerprint, Context.RequestAborted);
        _rejection = policy.Check(device);
        if (_rejection is not null)
        {
            Logger.LogWarning("Refused {Subject} ({Fingerprint}) for {Method} {Path}: {Reason} {Attribute}",
                certificate.Subject, fingerprint, Request.Method, Request.Path, _rejection.Reason, _rejection.Attribute);
            await rejectionAlerts.RaiseAsync(fingerprint, certificate.Subject, device, _rejection);
            return AuthenticateResult.Fail(_rejection.Detail);
        }

        activity.Seen(device!.DeviceId, now);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, device.DeviceId),
            new(ClaimTypes.Role, Roles.Name(device.Role)),
            new(Roles.FingerprintClaim, fingerprint),
        };
        if (device.StationId is not null)
        {
            claims.Add(new Claim(Roles.StationClaim, device.StationId));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.NameIdentifier, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
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
            _rejection.Detail, new Dictionary<string, object?>
            {
                ["reason"] = _rejection.Reason,
                ["attribute"] = _rejection.Attribute,
            });
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
