namespace TrackTrace.Cli.Demo;

/// <summary>One temperature reading as a sensor sends it.</summary>
internal readonly record struct Reading(DateTimeOffset At, double Celsius);

/// <summary>A stretch of time the reefer unit fails and the cargo warms up above the range.</summary>
internal sealed record ReeferFailure(DateTimeOffset From, TimeSpan Length)
{
    public DateTimeOffset Until => From + Length;
}

/// <summary>
/// What a reefer's sensor measures, every <see cref="Interval"/> from <see cref="Start"/>: a slow
/// swing around 5 °C as the unit cycles, a little noise, 0.1 °C resolution, always inside the
/// ocean-reefer range of 2-8 °C, except while the unit has a <see cref="Failure"/> (9-10.6 °C: above the
/// range, below the hard limit of 15 °C). The same trace gives the same readings for the same
/// times, so a journey can ask for it leg by leg.
/// </summary>
internal sealed class TemperatureTrace(DateTimeOffset start, int seed, ReeferFailure? failure = null)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(3);

    public DateTimeOffset Start { get; } = start;

    public ReeferFailure? Failure { get; } = failure;

    /// <summary>Readings on the grid with <paramref name="from"/> &lt;= at &lt; <paramref name="until"/>.</summary>
    public IReadOnlyList<Reading> Between(DateTimeOffset from, DateTimeOffset until)
    {
        var first = Math.Max(0, (long)Math.Ceiling((from - Start) / Interval));
        var readings = new List<Reading>();
        for (var k = first; Start + k * Interval < until; k++)
        {
            var at = Start + k * Interval;
            readings.Add(new Reading(at, Math.Round(CelsiusAt(k, at), 1)));
        }

        return readings;
    }

    /// <summary>The first time at or after <paramref name="at"/> when a trace begun at <paramref name="start"/> reads.</summary>
    public static DateTimeOffset OnGrid(DateTimeOffset start, DateTimeOffset at) =>
        start + Math.Max(0, Math.Ceiling((at - start) / Interval)) * Interval;

    private double CelsiusAt(long k, DateTimeOffset at)
    {
        var noise = new Random(unchecked(seed * 7919 + (int)k)).NextDouble() - 0.5;
        var minutes = (at - Start).TotalMinutes;
        var cycling = 5.0 + 1.3 * Math.Sin(2 * Math.PI * minutes / 97 + seed % 7) + 0.6 * noise;
        if (Failure is not { } warm)
        {
            return cycling;
        }

        if (at >= warm.From && at < warm.Until)
        {
            return 9.0 + 1.6 * Math.Sin(Math.PI * (at - warm.From) / warm.Length) + 0.2 * noise;
        }

        // Repaired: the first readings after the failure come down from the top of the range.
        return at >= warm.Until && at < warm.Until + 2 * Interval ? Math.Min(7.6, cycling + 2) : cycling;
    }
}
