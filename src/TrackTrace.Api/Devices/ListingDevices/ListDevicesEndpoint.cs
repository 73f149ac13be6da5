using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.ListingDevices;

/// <summary>GET /api/devices?role=&amp;status=: the fleet, by device id.</summary>
public static class ListDevicesEndpoint
{
    public const int MaxDevices = 1000;

    public static void MapListDevices(this RouteGroupBuilder devices) =>
        devices.MapGet("/", Handle).WithSummary($"List devices, at most {MaxDevices}: ?role=&status= (admin)");

    private static async Task<Results<Ok<DeviceView[]>, ProblemHttpResult>> Handle(
        IQuerySession query, string? role, string? status, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var wantedRole = default(DeviceRole);
        if (role is not null && !DeviceRoles.TryParse(role, out wantedRole))
        {
            errors["role"] = [DeviceRoles.Rule];
        }

        var wantedStatus = default(DeviceStatus);
        if (status is not null && !WireJson.TryParse(status, out wantedStatus))
        {
            errors["status"] = [$"one of {string.Join(", ", WireJson.Names<DeviceStatus>())}"];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        IQueryable<Device> devices = query.Query<Device>();
        if (role is not null)
        {
            devices = devices.Where(d => d.Role == wantedRole);
        }

        if (status is not null)
        {
            devices = devices.Where(d => d.Status == wantedStatus);
        }

        var found = await devices.OrderBy(d => d.DeviceId).Take(MaxDevices).ToListAsync(ct);
        var seen = await query.LoadManyAsync<DeviceLastSeen>(ct, found.Select(d => d.DeviceId).ToArray());
        var lastSeen = seen.ToDictionary(x => x.Id, x => x.At);
        return TypedResults.Ok(found.Select(d => DeviceView.From(d, lastSeen.GetValueOrDefault(d.DeviceId))).ToArray());
    }
}
