using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TrackTrace.Domain.Epcis;

/// <summary>How EPCIS JSON is written: characters as they came (no \u escapes of non-ASCII text).</summary>
public static class EpcisJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>Times the repository writes (recordTime, creationDate): UTC, millisecond precision, RFC 3339.</summary>
public static class EpcisTime
{
    /// <summary>PostgreSQL keeps microseconds and the answer milliseconds: store what is answered.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    public static string Format(DateTimeOffset time) =>
        Truncate(time).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>"+02:00" for an event time's offset, as eventTimeZoneOffset wants it.</summary>
    public static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
