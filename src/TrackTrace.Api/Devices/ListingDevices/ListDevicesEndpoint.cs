using System.Globalization;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.ListingDevices;

/// <summary>
/// GET /api/devices?role=&amp;status=&amp;expiringWithin=: the fleet, by device id; with
/// <c>expiringWithin</c> (an ISO-8601 duration such as <c>P7D</c>) only devices whose newest
/// certificate that is not retired expires within it (or has expired), soonest first.
/// </summary>
public static partial class ListDevicesEndpoint
{
    public const int MaxDevices = 1000;

    /// <summary>Ten years: further ahead nothing issued here is still alive, and it is surely a typo.</summary>
    private static readonly TimeSpan MaxWithin = TimeSpan.FromDays(3650);

    public static void MapListDevices(this RouteGroupBuilder devices) =>
        devices.MapGet("/", Handle).WithSummary(
            $"List devices, at most {MaxDevices}: ?role=&status=&expiringWithin=P7D (newest live certificate expires within it) (admin)");

    private static async Task<Results<Ok<DeviceView[]>, ProblemHttpResult>> Handle(
        IQuerySession query, TimeProvider clock, string? role, string? status, string? expiringWithin, CancellationToken ct)
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

        TimeSpan within = default;
        if (expiringWithin is not null && !TryParseDuration(expiringWithin, out within))
        {
            errors["expiringWithin"] = [
                $"an ISO-8601 duration of weeks, days, hours, minutes or seconds, greater than zero and at most P{MaxWithin.TotalDays:0}D, " +
                "such as P7D, P2W, PT12H or P1DT6H (years and months have no fixed length)"];
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

        var now = clock.GetUtcNow();
        if (expiringWithin is not null)
        {
            var limit = now + within;
            devices = devices.Where(d => d.CertificateExpiresAt != null && d.CertificateExpiresAt <= limit)
                .OrderBy(d => d.CertificateExpiresAt).ThenBy(d => d.DeviceId);
        }
        else
        {
            devices = devices.OrderBy(d => d.DeviceId);
        }

        var found = await devices.Take(MaxDevices).ToListAsync(ct);
        var seen = await query.LoadManyAsync<DeviceLastSeen>(ct, found.Select(d => d.DeviceId).ToArray());
        var lastSeen = seen.ToDictionary(x => x.Id, x => x.At);
        return TypedResults.Ok(found.Select(d => DeviceView.From(d, lastSeen.GetValueOrDefault(d.DeviceId), now)).ToArray());
    }

    /// <summary>ISO-8601 durations of fixed length only: PnW, or PnDTnHnMnS with any part left out.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var match = Duration().Match(text);
        if (!match.Success || text is "P" or "PT" || text.EndsWith('T'))
        {
            return false;
        }

        double Part(string name) => match.Groups[name].Success
            ? double.Parse(match.Groups[name].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)
            : 0;

        var days = Part("weeks") * 7 + Part("days");
        var seconds = ((days * 24 + Part("hours")) * 60 + Part("minutes")) * 60 + Part("seconds");
        if (seconds <= 0 || seconds > MaxWithin.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    [GeneratedRegex(@"^P(?:(?<weeks>\d{1,4})W|(?:(?<days>\d{1,5})D)?(?:T(?:(?<hours>\d{1,6})H)?(?:(?<minutes>\d{1,8})M)?(?:(?<seconds>\d{1,9}(?:\.\d{1,3})?)S)?)?)\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Duration();
}
