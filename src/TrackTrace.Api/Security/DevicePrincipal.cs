using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// Who a request's device is, as claims, and whether its certificate is inside its validity period
/// now: made the same way when a request is authenticated and when a long-lived response re-checks
/// its device (<see cref="DeviceSessions"/>).
/// </summary>
public static class DevicePrincipal
{
    public static ClaimsPrincipal Create(Device device, string fingerprint, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, device.DeviceId),
            new(ClaimTypes.Role, DeviceRoles.Name(device.Role)),
            new(Roles.FingerprintClaim, fingerprint),
        };
        if (device.StationId is not null)
        {
            claims.Add(new Claim(Roles.StationClaim, device.StationId));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.NameIdentifier, ClaimTypes.Role));
    }

    /// <summary>A keep-alive connection or an open stream can outlive its certificate: ask the clock, not the handshake.</summary>
    public static DeviceRejection? CheckValidity(X509Certificate2 certificate, DateTimeOffset now) =>
        now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime()
            ? new DeviceRejection(RejectionReasons.CertificateNotValidNow, null,
                $"the client certificate is valid from {certificate.NotBefore.ToUniversalTime():O} to {certificate.NotAfter.ToUniversalTime():O}")
            : null;
}
