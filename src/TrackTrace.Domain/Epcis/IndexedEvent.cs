using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrackTrace.Domain.Epcis;

/// <summary>Where an identifier appears in an event; the query parameters search by these roles.</summary>
public enum EpcRole
{
    /// <summary>epcList (ObjectEvent, TransactionEvent).</summary>
    Epc,

    /// <summary>childEPCs (AggregationEvent, AssociationEvent).</summary>
    Child,

    /// <summary>parentID (AggregationEvent, TransactionEvent, AssociationEvent).</summary>
    Parent,

    Input,
    Output,

    /// <summary>quantityList's epcClass.</summary>
    Quantity,

    ChildQuantity,
    InputQuantity,
    OutputQuantity,
}

public readonly record struct EpcReference(string Epc, EpcRole Role);

/// <summary>One sensorReport with what the sensor queries filter on; the report itself stays in the event.</summary>
public sealed record SensorReportIndex(
    int Ordinal, string? Type, string? Uom, double? Value, double? MinValue, double? MaxValue, double? MeanValue,
    DateTimeOffset? Time, string? DeviceId, string? Exception);

public sealed record ErrorDeclarationIndex(DateTimeOffset DeclarationTime, string? Reason, IReadOnlyList<string> CorrectiveEventIds);

/// <summary>
/// What the repository indexes of one EPCIS event: typed columns for the query parameters,
/// identifiers in canonical form with their roles, the sensor reports. The event's JSON itself is
/// stored as captured, so nothing of it is lost to this projection.
/// </summary>
public sealed record IndexedEvent(
    string Type,
    string EventId,
    DateTimeOffset EventTime,
    string EventTimeZoneOffset,
    string? Action,
    string? BizStep,
    string? Disposition,
    string? ReadPoint,
    string? BizLocation,
    IReadOnlyList<string> PersistentSet,
    IReadOnlyList<string> PersistentUnset,
    ErrorDeclarationIndex? ErrorDeclaration,
    IReadOnlyList<EpcReference> Epcs,
    IReadOnlyList<SensorReportIndex> SensorReports)
{
    /// <summary>An error declaration re-sends a stored event's id: it corrects that event, it is no duplicate.</summary>
    public bool IsCorrection => ErrorDeclaration is not null;

    private static readonly (string Field, EpcRole Role)[] Lists =
    [
        ("epcList", EpcRole.Epc), ("childEPCs", EpcRole.Child), ("inputEPCList", EpcRole.Input),
        ("outputEPCList", EpcRole.Output),
    ];

    private static readonly (string Field, EpcRole Role)[] Quantities =
    [
        ("quantityList", EpcRole.Quantity), ("childQuantityList", EpcRole.ChildQuantity),
        ("inputQuantityList", EpcRole.InputQuantity), ("outputQuantityList", EpcRole.OutputQuantity),
    ];

    /// <summary>
    /// Reads an event that passed the EPCIS schema. <paramref name="eventId"/> is the id to store it
    /// under (the event's own, or one the service assigned).
    /// </summary>
    public static IndexedEvent From(JsonObject e, string eventId)
    {
        var epcs = new List<EpcReference>();
        foreach (var (field, role) in Lists)
        {
            if (e[field] is JsonArray list)
            {
                epcs.AddRange(list.OfType<JsonValue>().Select(v => new EpcReference(EpcIdentifier.Canonical(v.GetValue<string>()), role)));
            }
        }

        if (Text(e, "parentID") is { } parent)
        {
            epcs.Add(new EpcReference(EpcIdentifier.Canonical(parent), EpcRole.Parent));
        }

        foreach (var (field, role) in Quantities)
        {
            if (e[field] is JsonArray list)
            {
                epcs.AddRange(list.OfType<JsonObject>().Select(q => Text(q, "epcClass")).OfType<string>()
                    .Select(c => new EpcReference(EpcIdentifier.Canonical(c), role)));
            }
        }

        var persistent = e["persistentDisposition"] as JsonObject;
        return new IndexedEvent(
            Text(e, "type") ?? "",
            eventId,
            Time(Text(e, "eventTime")) ?? throw new FormatException("eventTime is not a date-time"),
            Text(e, "eventTimeZoneOffset") ?? "+00:00",
            Text(e, "action"),
            Text(e, "bizStep") is { } step ? CbvVocabulary.Normalise(CbvVocabulary.BizStep, step) : null,
            Text(e, "disposition") is { } disposition ? CbvVocabulary.Normalise(CbvVocabulary.Disposition, disposition) : null,
            Text(e["readPoint"] as JsonObject, "id") is { } readPoint ? EpcIdentifier.Canonical(readPoint) : null,
            Text(e["bizLocation"] as JsonObject, "id") is { } bizLocation ? EpcIdentifier.Canonical(bizLocation) : null,
            Dispositions(persistent?["set"]),
            Dispositions(persistent?["unset"]),
            Declaration(e["errorDeclaration"] as JsonObject),
            epcs.Distinct().ToArray(),
            ReadSensorReports(e["sensorElementList"] as JsonArray));
    }

    private static IReadOnlyList<string> Dispositions(JsonNode? list) =>
        list is JsonArray array
            ? array.OfType<JsonValue>().Select(v => CbvVocabulary.Normalise(CbvVocabulary.Disposition, v.GetValue<string>())).ToArray()
            : [];

    private static ErrorDeclarationIndex? Declaration(JsonObject? declaration) =>
        declaration is null
            ? null
            : new ErrorDeclarationIndex(
                Time(Text(declaration, "declarationTime")) ?? throw new FormatException("declarationTime is not a date-time"),
                Text(declaration, "reason") is { } reason ? CbvVocabulary.Normalise(CbvVocabulary.ErrorReason, reason) : null,
                declaration["correctiveEventIDs"] is JsonArray ids ? ids.OfType<JsonValue>().Select(v => v.GetValue<string>()).ToArray() : []);

    private static IReadOnlyList<SensorReportIndex> ReadSensorReports(JsonArray? elements)
    {
        if (elements is null)
        {
            return [];
        }

        var reports = new List<SensorReportIndex>();
        foreach (var element in elements.OfType<JsonObject>())
        {
            var metadata = element["sensorMetadata"] as JsonObject;
            foreach (var report in (element["sensorReport"] as JsonArray ?? []).OfType<JsonObject>())
            {
                reports.Add(new SensorReportIndex(
                    reports.Count,
                    Text(report, "type") is { } type ? CbvVocabulary.MeasurementType(type) : null,
                    Text(report, "uom"),
                    Number(report, "value"),
                    Number(report, "minValue"),
                    Number(report, "maxValue"),
                    Number(report, "meanValue"),
                    Time(Text(report, "time")) ?? Time(Text(metadata, "time")),
                    Text(report, "deviceID") ?? Text(metadata, "deviceID"),
                    Text(report, "exception") is { } exception ? CbvVocabulary.SensorAlert(exception) : null));
            }
        }

        return reports;
    }

    private static string? Text(JsonObject? o, string field) =>
        o?[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? Number(JsonObject o, string field) =>
        o[field] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    /// <summary>RFC 3339 date-times as the schema checked them; anything else is not a time.</summary>
    public static DateTimeOffset? Time(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;
}
