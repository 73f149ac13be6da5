using TrackTrace.Api.Security;

namespace TrackTrace.Api.Shipments.RecordingScan;

/// <summary>The scanner behind a request, as authentication found it.</summary>
/// <param name="Guard">The device check that rides in this scan's write; null when authentication checked already.</param>
public sealed record ScanningDevice(string DeviceId, string? StationId, DeviceWriteGuard? Guard, string Subject)
{
    public static ScanningDevice Of(HttpContext http) => new(http.User.DeviceId(), http.User.StationId(),
        http.Features.Get<DeviceWriteGuard>(), http.Connection.ClientCertificate?.Subject ?? "");
}
