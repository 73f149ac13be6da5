using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.BindingCertificate;
using TrackTrace.Api.Devices.ChangingAttributes;
using TrackTrace.Api.Devices.EnrollingDevice;
using TrackTrace.Api.Devices.GettingActivity;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Devices.IssuingEnrollmentToken;
using TrackTrace.Api.Devices.ListingDevices;
using TrackTrace.Api.Devices.RetiringCertificate;
using TrackTrace.Api.Devices.SuspendingDevice;
using TrackTrace.Api.Devices.WatchingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;

namespace TrackTrace.Api.Devices;

public sealed record ReasonRequest(string? Reason);

/// <summary>/api/devices: the device attribute store, for admins only.</summary>
public static class DeviceEndpoints
{
    public static void MapDevices(this RouteGroupBuilder api)
    {
        var devices = api.MapGroup("/devices").WithTags("Devices").RequireAuthorization(Roles.Admin);
        devices.MapEnrollDevice();
        devices.MapIssueEnrollmentToken();
        devices.MapListDevices();
        devices.MapGetDevice();
        devices.MapGetDeviceActivity();
        devices.MapDeviceStream();
        devices.MapBindCertificate();
        devices.MapRetireCertificate();
        devices.MapChangeAttributes();
        devices.MapSuspendAndResume();
    }

    /// <summary>The answer of every device change: the device as it is now, or the refusal.</summary>
    public static Results<Ok<DeviceView>, ProblemHttpResult> Answer(DeviceChangeResult result) =>
        result.Refusal is { } refusal ? Problems.From(refusal) : TypedResults.Ok(DeviceView.From(result.Device!, null));
}
