namespace TrackTrace.Domain.Stations;

/// <summary>
/// Where a station is, in WGS 84 degrees: what the impossible-travel rule measures a leg with. Great
/// circle distance (haversine on the mean Earth radius), which is within 0.5% of the ellipsoid: the
/// rule compares it with speeds that differ by factors, not by percents.
/// </summary>
public sealed record GeoPosition(double Latitude, double Longitude)
{
    public const string LatitudeRule = "degrees north (WGS 84), -90 to 90, e.g. 51.9496; give longitude too";
    public const string LongitudeRule = "degrees east (WGS 84), -180 to 180, e.g. 4.1453; give latitude too";

    private const double EarthRadiusKm = 6371.0088;

    /// <summary>What is wrong with a position given as two optional numbers, by field; empty when both are acceptable or both absent.</summary>
    public static IReadOnlyDictionary<string, string[]> Problems(double? latitude, double? longitude)
    {
        var problems = new Dictionary<string, string[]>();
        if (latitude is { } lat && (!double.IsFinite(lat) || lat is < -90 or > 90))
        {
            problems["latitude"] = [LatitudeRule];
        }

        if (longitude is { } lon && (!double.IsFinite(lon) || lon is < -180 or > 180))
        {
            problems["longitude"] = [LongitudeRule];
        }

        if (latitude is null && longitude is not null)
        {
            problems["latitude"] = [LatitudeRule];
        }
        else if (longitude is null && latitude is not null)
        {
            problems["longitude"] = [LongitudeRule];
        }

        return problems;
    }

    /// <summary>The position of two numbers that <see cref="Problems"/> accepted; null when both are absent.</summary>
    public static GeoPosition? From(double? latitude, double? longitude) =>
        latitude is { } lat && longitude is { } lon ? new GeoPosition(lat, lon) : null;

    public double DistanceKm(GeoPosition other)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(other.Latitude - Latitude);
        var dLon = Radians(other.Longitude - Longitude);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) +
                Math.Cos(Radians(Latitude)) * Math.Cos(Radians(other.Latitude)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
