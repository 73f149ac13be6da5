using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.GettingActivity;

public sealed record DeviceActivityView(string DeviceId, IReadOnlyList<DeviceScanView> Scans, IReadOnlyList<DeviceReadingView> Readings);

/// <summary>GET /api/devices/{id}/activity: the device's latest scans and readings, newest first, each naming its shipment.</summary>
public static class GetDeviceActivityEndpoint
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static void MapGetDeviceActivity(this RouteGroupBuilder devices) =>
        devices.MapGet("/{deviceId}/activity", Handle)
            .WithSummary($"A device's latest scans and temperature readings, newest first, ?limit= up to {MaxLimit} (admin)");

    private static async Task<Results<Ok<DeviceActivityView>, ProblemHttpResult>> Handle(
        string deviceId, int? limit, IQuerySession query, NpgsqlDataSource db, CancellationToken ct)
    {
        var max = limit ?? DefaultLimit;
        if (max is < 1 or > MaxLimit)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["limit"] = [$"between 1 and {MaxLimit}"] });
        }

        if (await query.LoadAsync<Device>(Device.StreamKey(deviceId), ct) is null)
        {
            return Problems.From(DeviceRefusals.NotFound(deviceId));
        }

        var scans = await DeviceActivityLog.RecentScansAsync(db, deviceId, max, ct);
        var readings = await DeviceActivityLog.RecentReadingsAsync(db, deviceId, max, ct);
        return TypedResults.Ok(new DeviceActivityView(deviceId, scans, readings));
    }
}
