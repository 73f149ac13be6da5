using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace TrackTrace.Api.Hosting;

/// <summary>How the API writes and reads JSON: one naming rule for enum values, strict event times.</summary>
public static partial class WireJson
{
    /// <summary>Enum values on the wire: <c>InTransit</c> is <c>in-transit</c>, in answers and in query filters alike.</summary>
    public static readonly JsonNamingPolicy EnumNaming = JsonNamingPolicy.KebabCaseLower;

    public static void Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(EnumNaming));
        options.Converters.Add(new ExplicitOffsetConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }

    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => EnumNaming.ConvertName(value.ToString());

    public static IEnumerable<string> Names<TEnum>() where TEnum : struct, Enum => Enum.GetValues<TEnum>().Select(Name);

    public static bool TryParse<TEnum>(string? name, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Name(candidate) == name)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>
    /// An event time must say which offset it is in: "2026-01-01T10:00:00" is ten o'clock somewhere,
    /// and a reader that guesses the zone moves a scan by hours.
    /// </summary>
    public sealed class ExplicitOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public const string Rule = "an ISO-8601 date and time with an explicit offset, e.g. 2026-11-27T10:15:00+01:00 or 2026-11-27T09:15:00Z";

        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (text is null || !WithOffset().IsMatch(text) ||
                !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at))
            {
                throw new FormatException($"'{text ?? reader.TokenType.ToString()}' is not {Rule}");
            }

            return at;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})\z", RegexOptions.IgnoreCase)]
    private static partial Regex WithOffset();
}
