using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.RetiringCertificate;

/// <summary>
/// DELETE /api/devices/{id}/certificates/{fingerprint} with <c>{ "reason": ... }</c>: a leaked
/// certificate is refused from its next request on, on every instance and on open connections; the
/// device's other certificates keep working.
/// </summary>
public static class RetireCertificateEndpoint
{
    public static void MapRetireCertificate(this RouteGroupBuilder devices) =>
        devices.MapDelete("/{deviceId}/certificates/{fingerprint}", Handle)
            .WithSummary("Retire one certificate of a device; its next request is refused everywhere (admin)");

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Handle(
        string deviceId, string fingerprint, [FromBody] ReasonRequest request, HttpContext http, DeviceRegistry registry,
        CancellationToken ct) =>
        DeviceEndpoints.Answer(await registry.ChangeAsync(deviceId, device => DeviceDecider.RetireCertificate(device,
            fingerprint, request.Reason, Actor.Admin(http.User.DeviceId()), registry.Now), ct));
}
