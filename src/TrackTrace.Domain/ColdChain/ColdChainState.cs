namespace TrackTrace.Domain.ColdChain;

/// <summary>Which side of [min, max] an excursion went.</summary>
public static class ExcursionDirections
{
    public const string Above = "above";
    public const string Below = "below";
}

/// <summary>
/// A finished spell outside [min, max]: from its first reading outside to the first reading back
/// inside. <see cref="Direction"/> and <see cref="ExtremeCelsius"/> are those of its worst reading.
/// </summary>
public sealed record Excursion(string Direction, DateTimeOffset StartedAt, DateTimeOffset EndedAt, double ExtremeCelsius)
{
    public double Minutes => (EndedAt - StartedAt).TotalMinutes;
}

/// <summary>The spell outside [min, max] still going on at the last reading.</summary>
public sealed record OpenExcursion(string Direction, DateTimeOffset StartedAt, double ExtremeCelsius);

/// <summary>
/// The first time a shipment's readings broke its profile.
/// </summary>
/// <param name="Rule">One of <see cref="BreachRules"/>.</param>
/// <param name="At">When the rule was broken: the hard-limit reading, or the moment the allowance ran out.</param>
/// <param name="MinutesOutside">Cumulative time outside [min, max] up to <paramref name="At"/>.</param>
/// <param name="Readings">
/// The last (at most 50) readings outside [min, max] of the excursions involved, and the reading
/// that crossed the line.
/// </param>
public sealed record ColdChainBreach(
    string Rule,
    DateTimeOffset At,
    string Detail,
    double MinutesOutside,
    IReadOnlyList<TemperatureSample> Readings);

/// <summary>
/// What a shipment's temperature readings add up to, folded one reading at a time by
/// <see cref="ColdChainRules.Advance"/>. Stored as a JSON document next to the readings, so it holds
/// plain values only; everything else is computed from them.
/// </summary>
/// <param name="TimeOutside">Cumulative time outside [min, max], over all excursions.</param>
/// <param name="CurrentExcursion">The excursion going on at <paramref name="LastReading"/>, if any.</param>
/// <param name="Excursions">
/// The last finished excursions, for the staff chart; together with the current one at most
/// <see cref="ColdChainRules.ExcursionsKept"/>.
/// </param>
/// <param name="OutsideReadings">
/// The last <see cref="ColdChainRules.ReadingsKept"/> readings outside [min, max]: the evidence a breach carries.
/// </param>
/// <param name="ArrheniusSum">Σ e^(−ΔH/(R·T)) over all readings, for the mean kinetic temperature.</param>
/// <param name="Breach">The first breach found; it stays once found.</param>
public sealed record ColdChainState(
    int ReadingCount,
    TemperatureSample? FirstReading,
    TemperatureSample? LastReading,
    double? LowestCelsius,
    double? HighestCelsius,
    TimeSpan TimeOutside,
    OpenExcursion? CurrentExcursion,
    IReadOnlyList<Excursion> Excursions,
    IReadOnlyList<TemperatureSample> OutsideReadings,
    double ArrheniusSum,
    ColdChainBreach? Breach)
{
    public static readonly ColdChainState Empty = new(0, null, null, null, null, TimeSpan.Zero, null, [], [], 0, null);

    public double MinutesOutside => TimeOutside.TotalMinutes;

    public bool IsBreached => Breach is not null;

    /// <summary>Every reading weighs the same (see <see cref="MeanKineticTemperature"/>); null without readings.</summary>
    public double? MeanKineticCelsius => MeanKineticTemperature.FromSum(ArrheniusSum, ReadingCount);
}
