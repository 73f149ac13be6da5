using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.EnrollingDevice;

public sealed record EnrollDeviceRequest(
    string? DeviceId, string? Role, string? StationId, string? Certificate, Dictionary<string, string>? Attributes);

/// <summary>POST /api/devices: enroll a device and bind its client certificate.</summary>
public static class EnrollDeviceEndpoint
{
    public static void MapEnrollDevice(this RouteGroupBuilder devices) =>
        devices.MapPost("/", Handle).WithSummary("Enroll a device and bind its client certificate (admin)");

    private static async Task<Results<Created<DeviceView>, ProblemHttpResult>> Handle(
        EnrollDeviceRequest request, HttpContext http, DeviceRegistry registry, ClientCertificateValidator validator,
        CancellationToken ct)
    {
        var (certificate, problem) = CertificatePem.Read(request.Certificate, validator);
        if (problem is not null)
        {
            return Problems.From(problem);
        }

        var result = await registry.EnrollAsync(new EnrollDevice(request.DeviceId, request.Role, request.StationId,
            DeviceRegistry.Describe(certificate!), request.Attributes, Actor.Admin(http.User.DeviceId()), registry.Now), ct);
        return result.Refusal is { } refusal
            ? Problems.From(refusal)
            : TypedResults.Created($"/api/devices/{result.Device!.DeviceId}", DeviceView.From(result.Device, null));
    }
}
