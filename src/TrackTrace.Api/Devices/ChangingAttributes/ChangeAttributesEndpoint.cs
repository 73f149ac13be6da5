using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.ChangingAttributes;

public sealed record ChangeAttributesRequest(Dictionary<string, string>? Attributes, string? Reason);

/// <summary>PUT /api/devices/{id}/attributes: replace the operator-set attributes; a device that no longer matches is refused at once.</summary>
public static class ChangeAttributesEndpoint
{
    public static void MapChangeAttributes(this RouteGroupBuilder devices) =>
        devices.MapPut("/{deviceId}/attributes", Handle).WithSummary("Replace the operator-set attributes (admin)");

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Handle(
        string deviceId, ChangeAttributesRequest request, HttpContext http, DeviceRegistry registry, CancellationToken ct) =>
        DeviceEndpoints.Answer(await registry.ChangeAsync(deviceId, device => DeviceDecider.ChangeAttributes(device,
            request.Attributes, request.Reason, Actor.Admin(http.User.DeviceId()), registry.Now), ct));
}
