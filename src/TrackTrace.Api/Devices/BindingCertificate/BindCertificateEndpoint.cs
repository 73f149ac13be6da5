using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.BindingCertificate;

public sealed record BindCertificateRequest(string? Certificate);

/// <summary>POST /api/devices/{id}/certificates: bind a renewed certificate; the old ones keep working until retired or expired.</summary>
public static class BindCertificateEndpoint
{
    public static void MapBindCertificate(this RouteGroupBuilder devices) =>
        devices.MapPost("/{deviceId}/certificates", Handle).WithSummary("Bind a renewed certificate to a device (admin)");

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Handle(
        string deviceId, BindCertificateRequest request, HttpContext http, DeviceRegistry registry,
        ClientCertificateValidator validator, CancellationToken ct)
    {
        var (certificate, problem) = CertificatePem.Read(request.Certificate, validator);
        if (problem is not null)
        {
            return Problems.From(problem);
        }

        return DeviceEndpoints.Answer(await registry.ChangeAsync(deviceId, device => DeviceDecider.BindCertificate(device,
            DeviceRegistry.Describe(certificate!), Actor.Admin(http.User.DeviceId()), registry.Now), ct));
    }
}
