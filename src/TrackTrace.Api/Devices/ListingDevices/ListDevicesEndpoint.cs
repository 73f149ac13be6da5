using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.ListingDevices;

/// <summary>
/// GET /api/devices?role=&amp;status=&amp;station=&amp;q=&amp;expiringWithin=&amp;limit=&amp;after=: the fleet,
/// by device id; with <c>expiringWithin</c> (an ISO-8601 duration such as <c>P7D</c>) only devices
/// whose newest certificate that is not retired expires within it (or has expired), soonest first.
/// Keyset paging: a page ends where the next one starts (<c>after</c>, from the <c>Link: rel="next"</c>
/// header), read along the document id's primary key or the indexed expiry column, so page 2,000 of
/// 100,000 devices costs what page 1 does and a device added meanwhile never shifts a page.
/// </summary>
public static partial class ListDevicesEndpoint
{
    public const int MaxDevices = 1000;

    /// <summary>Ten years: further ahead nothing issued here is still alive, and it is surely a typo.</summary>
    private static readonly TimeSpan MaxWithin = TimeSpan.FromDays(3650);

    public static void MapListDevices(this RouteGroupBuilder devices) =>
        devices.MapGet("/", Handle).WithSummary(
            $"List devices, {MaxDevices} at most per page: ?role=&status=&station=&q=&expiringWithin=P7D&limit=&after= (keyset paging, Link rel=next) (admin)");

    private static async Task<Results<Ok<DeviceView[]>, ProblemHttpResult>> Handle(
        HttpContext http, IQuerySession query, SightingLedger sightings, TimeProvider clock, string? role, string? status,
        string? station, string? q, string? expiringWithin, int? limit, string? after, CancellationToken ct)
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

        if (station is not null && (station.Length is < 1 or > 64))
        {
            errors["station"] = ["a station id, 1 to 64 characters"];
        }

        if (q is not null && (q.Length is < 1 or > 64 || !DeviceSearch().IsMatch(q)))
        {
            errors["q"] = ["part of a device id: 1 to 64 characters A-Z a-z 0-9 . _ -"];
        }

        TimeSpan within = default;
        if (expiringWithin is not null && !TryParseDuration(expiringWithin, out within))
        {
            errors["expiringWithin"] = [
                $"an ISO-8601 duration of weeks, days, hours, minutes or seconds, greater than zero and at most P{MaxWithin.TotalDays:0}D, " +
                "such as P7D, P2W, PT12H or P1DT6H (years and months have no fixed length)"];
        }

        var size = limit ?? MaxDevices;
        if (size is < 1 or > MaxDevices)
        {
            errors["limit"] = [$"between 1 and {MaxDevices}"];
        }

        var cursor = default(Cursor);
        if (after is not null && !Cursor.TryRead(after, expiringWithin is not null, out cursor))
        {
            errors["after"] = ["the token of a Link rel=\"next\" header of this same list (expiringWithin given or not alike)"];
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

        if (station is not null)
        {
            devices = devices.Where(d => d.StationId == station);
        }

        if (q is not null)
        {
            // A substring filter over the id's index walk: the walk stops once a page is full.
            devices = devices.Where(d => d.DeviceId.Contains(q, StringComparison.OrdinalIgnoreCase));
        }

        var now = clock.GetUtcNow();
        // The document id is "device-" + the device id: its primary key orders the devices by id.
        var afterKey = cursor.DeviceId is null ? null : Device.StreamKey(cursor.DeviceId);
        if (expiringWithin is not null)
        {
            var until = now + within;
            devices = devices.Where(d => d.CertificateExpiresAt != null && d.CertificateExpiresAt <= until);
            if (cursor.ExpiresAt is { } at)
            {
                devices = devices.Where(d => d.CertificateExpiresAt > at || (d.CertificateExpiresAt == at && d.Id.CompareTo(afterKey) > 0));
            }

            devices = devices.OrderBy(d => d.CertificateExpiresAt).ThenBy(d => d.Id);
        }
        else
        {
            if (afterKey is not null)
            {
                devices = devices.Where(d => d.Id.CompareTo(afterKey) > 0);
            }

            devices = devices.OrderBy(d => d.Id);
        }

        // One more than the page says whether there is a next one.
        var found = await devices.Take(size + 1).ToListAsync(ct);
        var page = found.Take(size).ToArray();
        if (found.Count > size)
        {
            var last = page[^1];
            var token = new Cursor(last.DeviceId, expiringWithin is null ? null : last.CertificateExpiresAt).Write();
            var next = QueryString.Create(http.Request.Query
                .Where(p => p.Key is not "after")
                .SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v)))
                .Append(KeyValuePair.Create("after", (string?)token)));
            http.Response.Headers.Link = $"<{http.Request.PathBase}{http.Request.Path}{next}>; rel=\"next\"";
        }

        var ids = page.Select(d => d.DeviceId).ToArray();
        var seen = await query.LoadManyAsync<DeviceLastSeen>(ct, ids);
        var lastSeen = seen.ToDictionary(x => x.Id, x => x.At);
        var from = await sightings.LastAddressesAsync(ids, ct);
        // Sightings and last-seen are flushed on their own timers: the later of the two is when it was last seen.
        return TypedResults.Ok(page.Select(d =>
        {
            var sighted = from.TryGetValue(d.DeviceId, out var s) ? s : default((string Address, DateTimeOffset At)?);
            var at = lastSeen.TryGetValue(d.DeviceId, out var t) ? t : (DateTimeOffset?)null;
            return DeviceView.From(d, Later(at, sighted?.At), now) with { LastSeenFrom = sighted?.Address };
        }).ToArray());
    }

    public static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>Where the next page starts: after this device (and, sorted by expiry, this expiry).</summary>
    private readonly record struct Cursor(string? DeviceId, DateTimeOffset? ExpiresAt)
    {
        public string Write()
        {
            var text = ExpiresAt is { } at ? $"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{DeviceId}" : $"|{DeviceId}";
            return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        public static bool TryRead(string token, bool byExpiry, out Cursor cursor)
        {
            cursor = default;
            string text;
            try
            {
                var base64 = token.Replace('-', '+').Replace('_', '/');
                text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            }
            catch (FormatException)
            {
                return false;
            }

            var bar = text.IndexOf('|');
            if (bar < 0 || !Domain.Devices.DeviceId.IsValid(text[(bar + 1)..]))
            {
                return false;
            }

            var id = text[(bar + 1)..];
            if (!byExpiry)
            {
                cursor = new Cursor(id, null);
                return bar == 0;
            }

            if (!long.TryParse(text[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return false;
            }

            cursor = new Cursor(id, new DateTimeOffset(ticks, TimeSpan.Zero));
            return true;
        }
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

    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceSearch();
}
