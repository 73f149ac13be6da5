using TrackTrace.Domain.Stations;

namespace TrackTrace.Domain.Shipments;

/// <summary>
/// How fast goods can travel on a leg. A leg's mode is the one of the station the goods leave: from a
/// port they sail, from an airport they fly, from a truck they drive, from a factory, warehouse or
/// customs office they are collected by road. (The arriving station says less: goods reach an
/// airport by truck.) Station types without a speed of their own travel at <see cref="DefaultKmh"/>.
/// Stations nearer to each other than <see cref="SlackKm"/> are never too far apart: coordinates of
/// a site or of a truck's depot are approximate.
/// </summary>
public sealed record TravelLimits(IReadOnlyDictionary<string, double> KmhLeaving, double DefaultKmh, double SlackKm)
{
    public double MaxKmhLeaving(string stationType) => KmhLeaving.GetValueOrDefault(stationType, DefaultKmh);
}

/// <summary>Where a shipment was last checked in on its route (station, its type and position, the scanner): what the next check-in's journey is measured from.</summary>
public sealed record CheckInPlace(string Station, string StationType, string Scanner, DateTimeOffset ScannedAt, GeoPosition? Position);

/// <summary>The impossible-travel rule: pure, judged in the check-in's own decision.</summary>
public static class ImpossibleTravel
{
    /// <summary>The anomaly, when both stations have coordinates and the goods would have had to go too fast; otherwise null.</summary>
    public static ImpossibleTravelDetected? Judge(Shipment state, StationCheckedIn arrival, TravelLimits limits)
    {
        if (state.LastCheckIn is not { Position: { } from } previous || arrival.StationPosition is not { } to)
        {
            return null;
        }

        var km = from.DistanceKm(to);
        if (km <= limits.SlackKm)
        {
            return null;
        }

        var hours = (arrival.ScannedAt - previous.ScannedAt).TotalHours;
        var max = limits.MaxKmhLeaving(previous.StationType);
        if (hours > 0 && km - limits.SlackKm <= max * hours)
        {
            return null;
        }

        return new ImpossibleTravelDetected(state.Id, arrival.ScanId, previous.Station, previous.StationType,
            previous.Scanner, previous.ScannedAt, arrival.StationId, arrival.StationType, arrival.DeviceId, arrival.ScannedAt,
            Math.Round(km, 1), hours > 0 ? Math.Round(km / hours, 1) : null, max, arrival.ReceivedAt);
    }
}
