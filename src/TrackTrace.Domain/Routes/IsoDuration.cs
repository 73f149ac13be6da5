using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TrackTrace.Domain.Routes;

/// <summary>
/// ISO-8601 durations as route files and the API write them: <c>P2D</c>, <c>PT4H30M</c>,
/// <c>P1DT12H</c>, <c>P2W</c>. Years and months are refused: they have no fixed length, and a
/// schedule must mean the same on every day of the year.
/// </summary>
public static partial class IsoDuration
{
    public const string Rule = "an ISO-8601 duration such as PT30M, PT4H, P1DT12H or P2W (weeks, days, hours, minutes, seconds)";

    [GeneratedRegex(@"^(?<sign>[-+])?P(?:(?<w>\d+)W)?(?:(?<d>\d+)D)?(?:T(?:(?<h>\d+)H)?(?:(?<m>\d+)M)?(?:(?<s>\d+(?:[.,]\d{1,7})?)S)?)?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>The duration, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static TimeSpan? Parse(string text, out string? problem)
    {
        problem = null;
        var match = Pattern().Match(text);
        if (!match.Success || text.EndsWith('T') || text is "P" or "-P" or "+P")
        {
            var datePart = text.Split('T')[0];
            problem = datePart.Contains('P') && (datePart.Contains('Y') || datePart.Contains('M'))
                ? $"'{text}' uses years or months, which have no fixed length; write days instead (P30D)"
                : $"'{text}' is not {Rule}";
            return null;
        }

        try
        {
            var duration = TimeSpan.FromDays(7 * Whole(match, "w") + Whole(match, "d"))
                + TimeSpan.FromHours(Whole(match, "h"))
                + TimeSpan.FromMinutes(Whole(match, "m"))
                + TimeSpan.FromSeconds(match.Groups["s"].Success
                    ? double.Parse(match.Groups["s"].Value.Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)
                    : 0);
            return match.Groups["sign"].Value == "-" ? -duration : duration;
        }
        catch (OverflowException)
        {
            problem = $"'{text}' is too long a duration";
            return null;
        }
    }

    /// <summary>The shortest ISO-8601 form: <c>P1DT2H</c>, <c>PT45M</c>, <c>PT0S</c>; negative durations lead with '-'.</summary>
    public static string Format(TimeSpan duration)
    {
        var text = new StringBuilder(duration < TimeSpan.Zero ? "-P" : "P");
        var d = duration.Duration();
        if (d.Days > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{d.Days}D");
        }

        var time = d - TimeSpan.FromDays(d.Days);
        if (time > TimeSpan.Zero || d == TimeSpan.Zero)
        {
            text.Append('T');
            if (time.Hours > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{time.Hours}H");
            }

            if (time.Minutes > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{time.Minutes}M");
            }

            var seconds = time - new TimeSpan(time.Hours, time.Minutes, 0);
            if (seconds > TimeSpan.Zero || time == TimeSpan.Zero)
            {
                text.Append(seconds.TotalSeconds.ToString("0.#######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return text.ToString();
    }

    private static long Whole(Match match, string group) =>
        match.Groups[group].Success ? long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
}
