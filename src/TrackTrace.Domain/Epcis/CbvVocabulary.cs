namespace TrackTrace.Domain.Epcis;

/// <summary>
/// CBV 2.0 values are bare words in EPCIS 2.0 JSON (<c>receiving</c>, <c>in_transit</c>); older
/// systems write them as URNs (<c>urn:epcglobal:cbv:bizstep:receiving</c>) or Web URIs
/// (<c>https://ref.gs1.org/cbv/BizStep-receiving</c>). Stored values and query values are both
/// brought to the bare word, so each spelling finds the others. Custom values (any other URI) stay as
/// they are.
/// </summary>
public static class CbvVocabulary
{
    public const string BizStep = "bizstep";
    public const string Disposition = "disp";
    public const string ErrorReason = "er";

    private static readonly Dictionary<string, string> WebPrefixes = new()
    {
        [BizStep] = "BizStep-",
        [Disposition] = "Disp-",
        [ErrorReason] = "ER-",
    };

    public static string Normalise(string kind, string value)
    {
        var urn = $"urn:epcglobal:cbv:{kind}:";
        if (value.StartsWith(urn, StringComparison.OrdinalIgnoreCase))
        {
            return value[urn.Length..];
        }

        foreach (var web in new[] { "https://ref.gs1.org/cbv/", "https://gs1.org/voc/", "http://gs1.org/voc/", "https://ns.gs1.org/cbv/" })
        {
            if (value.StartsWith(web + WebPrefixes[kind], StringComparison.Ordinal))
            {
                return value[(web.Length + WebPrefixes[kind].Length)..];
            }
        }

        return value;
    }

    /// <summary>
    /// Sensor measurement types: <c>Temperature</c>, <c>gs1:Temperature</c> and
    /// <c>https://gs1.org/voc/Temperature</c> are one type.
    /// </summary>
    public static string MeasurementType(string value)
    {
        foreach (var prefix in new[] { "gs1:", "https://gs1.org/voc/", "http://gs1.org/voc/", "https://www.gs1.org/voc/" })
        {
            if (value.StartsWith(prefix, StringComparison.Ordinal))
            {
                return value[prefix.Length..];
            }
        }

        return value;
    }

    /// <summary>Sensor exceptions (<c>ALARM_CONDITION</c>, <c>gs1:SensorAlertType-ALARM_CONDITION</c>) as the bare word.</summary>
    public static string SensorAlert(string value)
    {
        var dash = value.LastIndexOf("SensorAlertType-", StringComparison.Ordinal);
        return dash >= 0 ? value[(dash + "SensorAlertType-".Length)..] : value;
    }
}

/// <summary>UN/ECE Rec 20 units that convert into each other; only temperature is needed by the queries.</summary>
public static class UnitOfMeasure
{
    public const string Celsius = "CEL";
    public const string Kelvin = "KEL";
    public const string Fahrenheit = "FAH";

    public static readonly IReadOnlyList<string> Temperatures = [Celsius, Kelvin, Fahrenheit];

    public static bool IsTemperature(string uom) => Temperatures.Contains(uom);

    /// <summary>The value in <paramref name="from"/> expressed in <paramref name="to"/> (both temperature units).</summary>
    public static double ConvertTemperature(double value, string from, string to)
    {
        var celsius = from switch
        {
            Celsius => value,
            Kelvin => value - 273.15,
            Fahrenheit => (value - 32) * 5 / 9,
            _ => throw new ArgumentException($"'{from}' is not a temperature unit", nameof(from)),
        };
        return to switch
        {
            Celsius => celsius,
            Kelvin => celsius + 273.15,
            Fahrenheit => celsius * 9 / 5 + 32,
            _ => throw new ArgumentException($"'{to}' is not a temperature unit", nameof(to)),
        };
    }
}
