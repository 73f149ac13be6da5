using System.Text.RegularExpressions;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Domain.Epcis;

/// <summary>A place an EPCIS event names, as TrackTrace knows places: by station id or by GLN.</summary>
public sealed record StationReference(string? StationId, string? Gln);

/// <summary>
/// What a captured event is about, in TrackTrace's terms: which shipment (an SSCC in the event's
/// identifiers, or the <c>urn:tracktrace:shipment:</c> form the export writes) at which station (a
/// GLN as bizLocation or readPoint, or <c>urn:tracktrace:station:</c>). Works on canonical
/// identifiers (<see cref="EpcIdentifier.Canonical"/>), so URN and Digital Link spellings agree.
/// </summary>
public static partial class EpcisSubjects
{
    public const string ShipmentUrn = "urn:tracktrace:shipment:";
    public const string StationUrn = "urn:tracktrace:station:";

    [GeneratedRegex(@"^https://id\.gs1\.org/00/(\d{18})\z")]
    private static partial Regex Sscc();

    [GeneratedRegex(@"^https://id\.gs1\.org/414/(\d{13})(/254/[^/]*)?\z")]
    private static partial Regex Sgln();

    /// <summary>The shipment id a canonical identifier names, when it can name one.</summary>
    public static string? ShipmentIdOf(string canonical)
    {
        var id = Sscc().Match(canonical) is { Success: true } sscc ? sscc.Groups[1].Value
            : canonical.StartsWith(ShipmentUrn, StringComparison.Ordinal) ? canonical[ShipmentUrn.Length..]
            : null;
        return id is not null && ShipmentId.IsValid(id, out _) ? id : null;
    }

    /// <summary>The station a canonical location names (a GLN, whatever its extension, or our URN); null otherwise.</summary>
    public static StationReference? StationOf(string? canonical) =>
        canonical is null ? null
        : Sgln().Match(canonical) is { Success: true } sgln ? new StationReference(null, sgln.Groups[1].Value)
        : canonical.StartsWith(StationUrn, StringComparison.Ordinal) ? new StationReference(canonical[StationUrn.Length..], null)
        : null;

    /// <summary>
    /// The shipments an event names as what it is about: the objects of an ObjectEvent, and for a
    /// TransactionEvent or AggregationEvent its parent and children, in the order they appear.
    /// </summary>
    public static IReadOnlyList<string> ShipmentsOf(IndexedEvent e) =>
        e.Epcs.Where(r => r.Role is EpcRole.Epc or EpcRole.Parent or EpcRole.Child)
            .Select(r => ShipmentIdOf(r.Epc)).OfType<string>().Distinct().ToArray();

    /// <summary>Where an event happened: its bizLocation, else its readPoint.</summary>
    public static StationReference? PlaceOf(IndexedEvent e) => StationOf(e.BizLocation) ?? StationOf(e.ReadPoint);

    /// <summary>
    /// A temperature report as a reading in °C: <c>Temperature</c> reports in CEL, FAH or KEL; the
    /// value, else the mean, else the extreme of min/max farther from <paramref name="middle"/>
    /// (the middle of the allowed band: a report of a range is judged by its worst end).
    /// </summary>
    public static double? CelsiusOf(SensorReportIndex report, double middle)
    {
        if (report.Type != "Temperature" || report.Uom is not { } uom || !UnitOfMeasure.IsTemperature(uom))
        {
            return null;
        }

        var value = report.Value ?? report.MeanValue ?? Worst(report.MinValue, report.MaxValue, uom, middle);
        return value is { } v ? UnitOfMeasure.ConvertTemperature(v, uom, UnitOfMeasure.Celsius) : null;
    }

    private static double? Worst(double? min, double? max, string uom, double middle)
    {
        if (min is null || max is null)
        {
            return min ?? max;
        }

        var m = UnitOfMeasure.ConvertTemperature(middle, UnitOfMeasure.Celsius, uom);
        return Math.Abs(max.Value - m) >= Math.Abs(min.Value - m) ? max : min;
    }
}
