using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.SuspendingDevice;

/// <summary>POST /api/devices/{id}/suspend and /resume: the instant revocation, and its undo.</summary>
public static class SuspendDeviceEndpoints
{
    /// <summary>What a resume without a reason is audited with.</summary>
    public const string DefaultResumeReason = "resumed";

    public static void MapSuspendAndResume(this RouteGroupBuilder devices)
    {
        devices.MapPost("/{deviceId}/suspend", Suspend)
            .WithSummary("Suspend a device: its next request is refused everywhere (admin)");
        devices.MapPost("/{deviceId}/resume", Resume).WithSummary("Resume a suspended device (admin)");
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Suspend(
        string deviceId, ReasonRequest request, HttpContext http, DeviceRegistry registry, CancellationToken ct) =>
        DeviceEndpoints.Answer(await registry.ChangeAsync(deviceId, device =>
            DeviceDecider.Suspend(device, request.Reason, Actor.Admin(http.User.DeviceId()), registry.Now), ct));

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Resume(
        string deviceId, ReasonRequest? request, HttpContext http, DeviceRegistry registry, CancellationToken ct)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? DefaultResumeReason : request.Reason;
        return DeviceEndpoints.Answer(await registry.ChangeAsync(deviceId, device =>
            DeviceDecider.Resume(device, reason, Actor.Admin(http.User.DeviceId()), registry.Now), ct));
    }
}
