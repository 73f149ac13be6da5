using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TrackTrace.Domain.Epcis;

public enum EventOrder
{
    EventTime,
    RecordTime,
}

public enum Comparison
{
    GreaterOrEqual,
    GreaterThan,
    LessOrEqual,
    LessThan,
    Equal,
}

/// <summary>One MATCH_ parameter: any of the values, in any of the roles.</summary>
public sealed record EpcCondition(string Parameter, IReadOnlyList<EpcRole> Roles, IReadOnlyList<EpcMatch> Values);

/// <summary>
/// A comparison on a sensor report's number (<c>GT_maxValue=8</c>, <c>GT_maxValue_CEL=8</c>). With a
/// unit, a report in another temperature unit is compared after conversion; without one, the
/// number is compared as it was reported.
/// </summary>
public sealed record SensorComparison(string Parameter, string Field, Comparison Operator, double Value, string? Uom);

/// <summary>Sensor filters, all met by one and the same sensorReport.</summary>
public sealed record SensorCondition(
    IReadOnlyList<string> Types, IReadOnlyList<string> Uoms, IReadOnlyList<string> DeviceIds,
    IReadOnlyList<string> Exceptions, IReadOnlyList<SensorComparison> Comparisons)
{
    public bool IsEmpty => Types.Count == 0 && Uoms.Count == 0 && DeviceIds.Count == 0 && Exceptions.Count == 0 && Comparisons.Count == 0;
}

/// <summary>Where the previous page ended, in the query's order: its last event's order value and storage number.</summary>
public readonly record struct PageCursor(DateTimeOffset After, long Sequence)
{
    public string Encode() =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{After.UtcTicks}.{Sequence}"));

    public static PageCursor? Decode(string token)
    {
        try
        {
            var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token)).Split('.');
            return parts.Length == 2 &&
                   long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) &&
                   long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) &&
                   ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), sequence)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>An EPCIS SimpleEventQuery as read from the REST binding's query parameters.</summary>
/// <summary>What a partner may read: what it captured, and what happened at the stations it serves.</summary>
public sealed record QueryScope(string CapturedBy, IReadOnlyList<string> Locations);

public sealed record EventQuery
{
    /// <summary>Limits the answer to what one partner may read; null for staff.</summary>
    public QueryScope? Scope { get; init; }

    public IReadOnlyList<string> EventTypes { get; init; } = [];
    public DateTimeOffset? GeEventTime { get; init; }
    public DateTimeOffset? LtEventTime { get; init; }
    public DateTimeOffset? GeRecordTime { get; init; }
    public DateTimeOffset? LtRecordTime { get; init; }
    public IReadOnlyList<string> Actions { get; init; } = [];
    public IReadOnlyList<string> BizSteps { get; init; } = [];
    public IReadOnlyList<string> Dispositions { get; init; } = [];
    public IReadOnlyList<string> ReadPoints { get; init; } = [];
    public IReadOnlyList<string> BizLocations { get; init; } = [];
    public IReadOnlyList<string> PersistentSet { get; init; } = [];
    public IReadOnlyList<string> PersistentUnset { get; init; } = [];
    public IReadOnlyList<string> EventIds { get; init; } = [];
    public IReadOnlyList<EpcCondition> Epcs { get; init; } = [];
    public bool? ErrorDeclared { get; init; }
    public IReadOnlyList<string> ErrorReasons { get; init; } = [];
    public IReadOnlyList<string> CorrectiveEventIds { get; init; } = [];
    public bool? SensorElementPresent { get; init; }
    public SensorCondition Sensor { get; init; } = new([], [], [], [], []);
    public EventOrder OrderBy { get; init; } = EventOrder.EventTime;
    public bool Descending { get; init; } = true;
    public int PerPage { get; init; } = EventQueryParser.DefaultPerPage;
    public PageCursor? After { get; init; }

    /// <summary>At most this many events in all (eventCountLimit): the rest are not answered.</summary>
    public int? EventCountLimit { get; init; }

    /// <summary>More matches than this (maxEventCount) is an error, not a truncated answer.</summary>
    public int? MaxEventCount { get; init; }
}

/// <summary>
/// Reads the query parameters of <c>GET /events</c> (EPCIS 2.0 REST binding): multiple values are
/// pipe-delimited, times are RFC 3339 with an offset, identifiers may be URNs or Digital Links.
/// Every parameter that is wrong, unknown or not supported is named with what is accepted.
/// </summary>
public static partial class EventQueryParser
{
    public const int DefaultPerPage = 30;

    private static readonly string[] EventTypeNames =
        ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"];

    private static readonly string[] ActionNames = ["OBSERVE", "ADD", "DELETE"];

    private static readonly Dictionary<string, EpcRole[]> MatchRoles = new()
    {
        ["MATCH_epc"] = [EpcRole.Epc, EpcRole.Child],
        ["MATCH_parentID"] = [EpcRole.Parent],
        ["MATCH_inputEPC"] = [EpcRole.Input],
        ["MATCH_outputEPC"] = [EpcRole.Output],
        ["MATCH_anyEPC"] = [EpcRole.Epc, EpcRole.Child, EpcRole.Parent, EpcRole.Input, EpcRole.Output],
        ["MATCH_epcClass"] = [EpcRole.Quantity, EpcRole.ChildQuantity],
        ["MATCH_inputEPCClass"] = [EpcRole.InputQuantity],
        ["MATCH_outputEPCClass"] = [EpcRole.OutputQuantity],
        ["MATCH_anyEPCClass"] = [EpcRole.Quantity, EpcRole.ChildQuantity, EpcRole.InputQuantity, EpcRole.OutputQuantity],
    };

    /// <summary>Standard parameters this repository does not evaluate (yet): refused, never ignored.</summary>
    private static readonly string[] Unsupported =
    [
        "WD_readPoint", "WD_bizLocation", "EQ_transformationID", "EQ_quantity", "GT_quantity", "GE_quantity", "LT_quantity",
        "LE_quantity", "GE_errorDeclaration_Time", "LT_errorDeclaration_Time", "GE_time", "LT_time", "GE_startTime",
        "LT_startTime", "GE_endTime", "LT_endTime", "EQ_dataProcessingMethod", "EQ_microorganism", "EQ_chemicalSubstance",
        "EQ_bizRules", "EQ_stringValue", "EQ_booleanValue", "EQ_hexBinaryValue", "EQ_uriValue",
    ];

    private static readonly string[] Known =
    [
        "eventType", "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "EQ_action", "EQ_bizStep",
        "EQ_disposition", "EQ_readPoint", "EQ_bizLocation", "EQ_persistentDisposition_set", "EQ_persistentDisposition_unset",
        "EQ_eventID", "EXISTS_errorDeclaration", "EQ_errorReason", "EQ_correctiveEventID", "EXISTS_sensorElementList",
        "EQ_type", "EQ_uom", "EQ_deviceID", "EQ_exception", "orderBy", "orderDirection", "perPage", "nextPageToken",
        "eventCountLimit", "maxEventCount", .. MatchRoles.Keys,
    ];

    // GE_value, GT_maxValue_CEL, LT_minValue_KEL, ... (the unit suffix is optional).
    [GeneratedRegex(@"^(GE|GT|LE|LT|EQ)_(value|minValue|maxValue|meanValue|sDev|percRank|percValue)(?:_([A-Z0-9]{2,4}))?\z")]
    private static partial Regex SensorNumber();

    [GeneratedRegex(@"^[A-Z0-9]{2,4}\z")]
    private static partial Regex UnitCode();

    /// <summary>The parameter names a client may use, for error messages and discovery.</summary>
    public static IReadOnlyList<string> Accepted => [.. Known, "{GE|GT|LE|LT|EQ}_{value|minValue|maxValue|meanValue}[_{UOM}]"];

    public static EventQuery? Parse(
        IEnumerable<KeyValuePair<string, string>> parameters, int maxPerPage, out Dictionary<string, string[]> errors)
    {
        var found = new Dictionary<string, string[]>();
        errors = [];
        var query = new EventQuery();
        var sensorComparisons = new List<SensorComparison>();
        var epcs = new List<EpcCondition>();
        var seen = new HashSet<string>();
        foreach (var (name, raw) in parameters)
        {
            if (!seen.Add(name))
            {
                found[name] = ["given more than once: send one value, several separated by '|'"];
                continue;
            }

            var values = raw.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            try
            {
                query = Apply(query, name, raw, values, maxPerPage, epcs, sensorComparisons);
            }
            catch (QueryParameterException ex)
            {
                found[name] = [ex.Message];
            }
        }

        query = query with
        {
            Epcs = epcs,
            Sensor = query.Sensor with { Comparisons = sensorComparisons },
        };
        if (query.EventCountLimit is not null && query.MaxEventCount is not null)
        {
            found["eventCountLimit"] = ["cannot be combined with maxEventCount"];
        }

        errors = found;
        return found.Count == 0 ? query : null;
    }

    private static EventQuery Apply(
        EventQuery q, string name, string raw, string[] values, int maxPerPage, List<EpcCondition> epcs,
        List<SensorComparison> sensor)
    {
        if (MatchRoles.TryGetValue(name, out var roles))
        {
            epcs.Add(new EpcCondition(name, roles, Uris(values).Select(EpcIdentifier.Match).ToArray()));
            return q;
        }

        if (SensorNumber().Match(name) is { Success: true } m)
        {
            if (m.Groups[2].Value is "sDev" or "percRank" or "percValue")
            {
                throw new QueryParameterException("not supported by this repository: value, minValue, maxValue and meanValue are");
            }

            var uom = m.Groups[3].Success ? m.Groups[3].Value : null;
            sensor.Add(new SensorComparison(name, m.Groups[2].Value, Operator(m.Groups[1].Value), Number(raw), uom));
            return q;
        }

        return name switch
        {
            "eventType" => q with { EventTypes = OneOf(values, EventTypeNames, allowUri: true) },
            "GE_eventTime" => q with { GeEventTime = Time(raw) },
            "LT_eventTime" => q with { LtEventTime = Time(raw) },
            "GE_recordTime" => q with { GeRecordTime = Time(raw) },
            "LT_recordTime" => q with { LtRecordTime = Time(raw) },
            "EQ_action" => q with { Actions = OneOf(values, ActionNames, allowUri: false) },
            "EQ_bizStep" => q with { BizSteps = Vocabulary(values, CbvVocabulary.BizStep) },
            "EQ_disposition" => q with { Dispositions = Vocabulary(values, CbvVocabulary.Disposition) },
            "EQ_persistentDisposition_set" => q with { PersistentSet = Vocabulary(values, CbvVocabulary.Disposition) },
            "EQ_persistentDisposition_unset" => q with { PersistentUnset = Vocabulary(values, CbvVocabulary.Disposition) },
            "EQ_readPoint" => q with { ReadPoints = Uris(values).Select(EpcIdentifier.Canonical).ToArray() },
            "EQ_bizLocation" => q with { BizLocations = Uris(values).Select(EpcIdentifier.Canonical).ToArray() },
            "EQ_eventID" => q with { EventIds = Uris(values) },
            "EXISTS_errorDeclaration" => q with { ErrorDeclared = Exists(raw) },
            "EQ_errorReason" => q with { ErrorReasons = Vocabulary(values, CbvVocabulary.ErrorReason) },
            "EQ_correctiveEventID" => q with { CorrectiveEventIds = Uris(values) },
            "EXISTS_sensorElementList" => q with { SensorElementPresent = Exists(raw) },
            "EQ_type" => q with { Sensor = q.Sensor with { Types = Required(values).Select(CbvVocabulary.MeasurementType).ToArray() } },
            "EQ_uom" => q with { Sensor = q.Sensor with { Uoms = Units(values) } },
            "EQ_deviceID" => q with { Sensor = q.Sensor with { DeviceIds = Uris(values) } },
            "EQ_exception" => q with
            {
                Sensor = q.Sensor with
                {
                    Exceptions = OneOf(values.Select(CbvVocabulary.SensorAlert).ToArray(), ["ALARM_CONDITION", "ERROR_CONDITION"], allowUri: false),
                },
            },
            "orderBy" => q with { OrderBy = Order(raw) },
            "orderDirection" => q with
            {
                Descending = raw switch
                {
                    "DESC" => true,
                    "ASC" => false,
                    _ => throw new QueryParameterException($"'{raw}' is not ASC or DESC"),
                },
            },
            "perPage" => q with { PerPage = Count(raw, maxPerPage) },
            "nextPageToken" => q with
            {
                After = PageCursor.Decode(raw)
                        ?? throw new QueryParameterException("not a token this repository gave out: send the one from the Link header"),
            },
            "eventCountLimit" => q with { EventCountLimit = Count(raw, int.MaxValue) },
            "maxEventCount" => q with { MaxEventCount = Count(raw, int.MaxValue) },
            _ when Unsupported.Contains(name) => throw new QueryParameterException("not supported by this repository"),
            _ => throw new QueryParameterException(
                $"unknown query parameter; accepted: {string.Join(", ", Accepted)}"),
        };
    }

    private static Comparison Operator(string prefix) => prefix switch
    {
        "GE" => Comparison.GreaterOrEqual,
        "GT" => Comparison.GreaterThan,
        "LE" => Comparison.LessOrEqual,
        "LT" => Comparison.LessThan,
        _ => Comparison.Equal,
    };

    private static string[] Required(string[] values) =>
        values.Length > 0 ? values : throw new QueryParameterException("needs a value");

    private static string[] OneOf(string[] values, string[] allowed, bool allowUri)
    {
        foreach (var value in Required(values))
        {
            if (!allowed.Contains(value) && !(allowUri && IsUri(value)))
            {
                throw new QueryParameterException($"'{value}' is not one of {string.Join(", ", allowed)}{(allowUri ? " or a URI" : "")}");
            }
        }

        return values;
    }

    /// <summary>CBV bare words, their URN or Web URI spellings, or another URI for a custom value.</summary>
    private static string[] Vocabulary(string[] values, string kind)
    {
        var normalised = Required(values).Select(v => CbvVocabulary.Normalise(kind, v)).ToArray();
        foreach (var value in normalised)
        {
            if (!IsUri(value) && !BareWord().IsMatch(value))
            {
                throw new QueryParameterException($"'{value}' is neither a CBV value (such as in_transit) nor a URI");
            }
        }

        return normalised;
    }

    [GeneratedRegex(@"^[a-z][a-z_]*\z")]
    private static partial Regex BareWord();

    private static string[] Uris(string[] values)
    {
        foreach (var value in Required(values))
        {
            if (!IsUri(value))
            {
                throw new QueryParameterException($"'{value}' is not a URI (an EPC URN such as urn:epc:id:sgtin:... or a GS1 Digital Link)");
            }
        }

        return values;
    }

    private static string[] Units(string[] values)
    {
        foreach (var value in Required(values))
        {
            if (!UnitCode().IsMatch(value))
            {
                throw new QueryParameterException($"'{value}' is not a UN/ECE Rec 20 unit code such as CEL");
            }
        }

        return values;
    }

    /// <summary>An absolute URI: a scheme, a colon and something after it.</summary>
    public static bool IsUri(string value) =>
        value.IndexOf(':') is > 0 and var colon && colon < value.Length - 1 &&
        char.IsAsciiLetter(value[0]) && value[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') &&
        !value.Any(char.IsWhiteSpace);

    [GeneratedRegex(@"(Z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.IgnoreCase)]
    private static partial Regex Offset();

    private static DateTimeOffset Time(string raw) =>
        Offset().IsMatch(raw) &&
        DateTimeOffset.TryParseExact(raw, Rfc3339, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw new QueryParameterException($"'{raw}' is not a date-time with an offset (e.g. 2026-12-01T08:00:00Z or 2026-12-01T09:00:00+01:00)");

    private static readonly string[] Rfc3339 =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK",
    ];

    private static double Number(string raw) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n)
            ? n
            : throw new QueryParameterException($"'{raw}' is not a number");

    private static int Count(string raw, int max) =>
        int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max
            ? n
            : throw new QueryParameterException($"'{raw}' is not a whole number from 1 to {max}");

    private static bool Exists(string raw) => raw switch
    {
        "" or "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new QueryParameterException($"'{raw}' is not empty, true or false"),
    };

    private static EventOrder Order(string raw) => raw switch
    {
        "eventTime" => EventOrder.EventTime,
        "recordTime" => EventOrder.RecordTime,
        _ => throw new QueryParameterException($"'{raw}' is not eventTime or recordTime"),
    };
}

/// <summary>A query parameter that cannot be evaluated; its message says what is accepted.</summary>
public sealed class QueryParameterException(string message) : Exception(message);
