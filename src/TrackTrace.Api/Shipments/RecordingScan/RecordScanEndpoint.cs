using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Api.Security;

namespace TrackTrace.Api.Shipments.RecordingScan;

/// <summary>POST /api/scans: a scanner checks a shipment in at its own station.</summary>
public static class RecordScanEndpoint
{
    public static void MapRecordScan(this RouteGroupBuilder api) =>
        api.MapPost("/scans", Handle).WithTags("Scans").RequireAuthorization(Roles.Scanner)
            .WithMetadata(new DeviceCheckedInWrite())
            .Accepts<ScanRequest>("application/json")
            .WithSummary("Check a shipment in at the scanner's station (scanner)")
            .Produces<ScanAccepted>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    // The body is read here rather than bound, so that an unreadable body is refused the way every
    // other answer of this endpoint is: after the device check.
    private static async Task<IResult> Handle(HttpContext http, RecordScanHandler handler, DeviceSightings sightings, CancellationToken ct)
    {
        var device = ScanningDevice.Of(http);
        sightings.Scanned(device.DeviceId);
        var (request, problem) = await JsonBody.ReadAsync<ScanRequest>(http, ct);
        return request is null
            ? await handler.RefuseAsync(device, problem!, ct)
            : await handler.HandleAsync(request, device, ct);
    }
}
