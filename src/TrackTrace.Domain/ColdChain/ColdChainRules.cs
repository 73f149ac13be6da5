using System.Globalization;
using TrackTrace.Domain.Routes;

namespace TrackTrace.Domain.ColdChain;

/// <summary>What folding a batch of readings did.</summary>
/// <param name="NewBreach">The breach this batch found, when the shipment had none before; null otherwise.</param>
/// <param name="Reevaluated">A reading was late, so the whole series was evaluated again.</param>
public sealed record ColdChainUpdate(ColdChainState State, ColdChainBreach? NewBreach, bool Reevaluated);

/// <summary>
/// The cold-chain rules, as a fold of a shipment's readings over its route's <see cref="ColdChainProfile"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A reading outside [min, max] starts or extends an excursion; exactly min or max is inside.</item>
/// <item>Time is counted between consecutive readings of the shipment, whichever sensor sent them:
/// the interval from one reading to the next is outside when the first of the two is outside. So an
/// excursion lasts from its first reading outside to the first reading back inside, and a gap in
/// the data counts with the reading before it (conservatively).</item>
/// <item>Readings at the same instant are one observation: the instant is outside when any of them
/// is, whatever order they arrive in.</item>
/// <item>Time outside accumulates over all excursions, across the in-range time between them. When it
/// becomes strictly greater than the allowance, that is a breach (<see cref="BreachRules.AllowanceExceeded"/>)
/// at the moment the allowance ran out: the start of the interval that passed it plus what was left
/// of the allowance. Exactly the allowance is not a breach.</item>
/// <item>One reading below the hard minimum or above the hard maximum is a breach at that reading
/// (<see cref="BreachRules.HardLimit"/>); exactly the hard limit is not.</item>
/// <item>The first breach is the breach: later readings, and re-evaluations, never replace it.</item>
/// </list>
/// Readings must be finite; callers check they are plausible (-100..100 °C) before.
/// </remarks>
public static class ColdChainRules
{
    /// <summary>Excursions kept for the chart: the finished ones and the current one together.</summary>
    public const int ExcursionsKept = 50;

    /// <summary>Readings outside [min, max] kept as the evidence of a breach.</summary>
    public const int ReadingsKept = 50;

    /// <summary>
    /// Folds one more reading in. It must not be earlier than the last one; the same instant (another
    /// sensor) is fine.
    /// </summary>
    public static ColdChainState Advance(ColdChainProfile profile, ColdChainState state, TemperatureSample reading)
    {
        if (!double.IsFinite(reading.Celsius))
            throw new ArgumentOutOfRangeException(nameof(reading), reading.Celsius, "A reading must be a finite temperature.");
        if (state.LastReading is { } last && reading.At < last.At)
            throw new ArgumentException(
                $"A reading at {Time(reading.At)} is earlier than the last one, at {Time(last.At)}; evaluate the series again instead.",
                nameof(reading));

        var sameInstant = state.LastReading?.At == reading.At;
        var next = sameInstant ? state : CountIntervalTo(profile, state, reading);
        next = Observe(next, reading);
        next = Direction(profile, reading.Celsius) is { } direction
            ? Outside(profile, next, reading, direction, sameInstant)
            : Inside(next, reading, sameInstant);
        return next.Breach is null && HardLimitPassed(profile, reading) is { } limit
            ? next with { Breach = HardLimitBreach(next, reading, limit) }
            : next;
    }

    /// <summary>Folds a series, in time order, from <see cref="ColdChainState.Empty"/>.</summary>
    public static ColdChainState Evaluate(ColdChainProfile profile, IEnumerable<TemperatureSample> orderedReadings) =>
        orderedReadings.Aggregate(ColdChainState.Empty, (state, reading) => Advance(profile, state, reading));

    /// <summary>
    /// The normal case: folds a batch in, in time order, when none of it is earlier than the last
    /// reading folded so far. Null when one is late: then call <see cref="Reevaluate"/>.
    /// </summary>
    public static ColdChainUpdate? TryAdvance(
        ColdChainProfile profile, ColdChainState state, IReadOnlyList<TemperatureSample> batch)
    {
        var inTimeOrder = InTimeOrder(batch);
        if (inTimeOrder.Count > 0 && state.LastReading is { } last && inTimeOrder[0].At < last.At)
            return null;

        var next = inTimeOrder.Aggregate(state, (s, reading) => Advance(profile, s, reading));
        return new ColdChainUpdate(next, state.Breach is null ? next.Breach : null, Reevaluated: false);
    }

    /// <summary>
    /// After a late reading: evaluates the shipment's whole series again, late readings placed by
    /// their time. <paramref name="fullSeries"/> holds every reading, this batch's included; ties
    /// keep its order. A breach already found stays as it was reported.
    /// </summary>
    public static ColdChainUpdate Reevaluate(
        ColdChainProfile profile, ColdChainState state, IEnumerable<TemperatureSample> fullSeries)
    {
        var evaluated = Evaluate(profile, InTimeOrder(fullSeries));
        // The breach has gone out as an event (alert, delivery refused): a later reading may move or
        // even undo it in the numbers, but withdrawing it is a person's decision, not this fold's.
        return state.Breach is { } reported
            ? new ColdChainUpdate(evaluated with { Breach = reported }, null, Reevaluated: true)
            : new ColdChainUpdate(evaluated, evaluated.Breach, Reevaluated: true);
    }

    /// <summary>
    /// <see cref="TryAdvance"/>, or <see cref="Reevaluate"/> over <paramref name="fullSeries"/> when a
    /// reading is late; <paramref name="fullSeries"/> is only called then.
    /// </summary>
    public static ColdChainUpdate Apply(
        ColdChainProfile profile,
        ColdChainState state,
        IReadOnlyList<TemperatureSample> batch,
        Func<IEnumerable<TemperatureSample>> fullSeries) =>
        TryAdvance(profile, state, batch) ?? Reevaluate(profile, state, fullSeries());

    /// <summary>The event for a breach just found, in one place.</summary>
    public static ColdChainBreached Breached(
        string shipmentId, ColdChainProfile profile, ColdChainBreach breach, DateTimeOffset detectedAt) =>
        new(shipmentId, breach.Rule, breach.Detail, profile.MinCelsius, profile.MaxCelsius, profile.HardMinCelsius,
            profile.HardMaxCelsius, profile.Allowance.TotalMinutes, breach.MinutesOutside, breach.Readings, breach.At,
            detectedAt);

    // OrderBy is stable: readings at the same instant keep their order.
    private static IReadOnlyList<TemperatureSample> InTimeOrder(IEnumerable<TemperatureSample> readings) =>
        readings.OrderBy(reading => reading.At).ToArray();

    private static string? Direction(ColdChainProfile profile, double celsius) =>
        celsius > profile.MaxCelsius ? ExcursionDirections.Above
        : celsius < profile.MinCelsius ? ExcursionDirections.Below
        : null;

    private static double Deviation(ColdChainProfile profile, string direction, double celsius) =>
        direction == ExcursionDirections.Above ? celsius - profile.MaxCelsius : profile.MinCelsius - celsius;

    /// <summary>The interval since the last reading, counted when the shipment was outside at it.</summary>
    private static ColdChainState CountIntervalTo(ColdChainProfile profile, ColdChainState state, TemperatureSample reading)
    {
        if (state.CurrentExcursion is null || state.LastReading is not { } last)
            return state;

        var outside = state.TimeOutside + (reading.At - last.At);
        return state.Breach is null && outside > profile.Allowance
            ? state with { TimeOutside = outside, Breach = AllowanceBreach(profile, state, last, reading, outside) }
            : state with { TimeOutside = outside };
    }

    private static ColdChainState Observe(ColdChainState state, TemperatureSample reading) => state with
    {
        ReadingCount = state.ReadingCount + 1,
        FirstReading = state.FirstReading ?? reading,
        LastReading = reading,
        LowestCelsius = Math.Min(state.LowestCelsius ?? reading.Celsius, reading.Celsius),
        HighestCelsius = Math.Max(state.HighestCelsius ?? reading.Celsius, reading.Celsius),
        ArrheniusSum = state.ArrheniusSum + MeanKineticTemperature.ArrheniusFactor(reading.Celsius),
    };

    private static ColdChainState Outside(
        ColdChainProfile profile, ColdChainState state, TemperatureSample reading, string direction, bool sameInstant)
    {
        var evidence = Last(ReadingsKept, [.. state.OutsideReadings, reading]);
        if (state.CurrentExcursion is { } open)
            return state with { CurrentExcursion = Worst(profile, open, reading, direction), OutsideReadings = evidence };

        // Another sensor brought the shipment back inside at this very instant: that excursion goes on.
        if (sameInstant && state.Excursions is [.., var ended] && ended.EndedAt == reading.At)
        {
            var reopened = new OpenExcursion(ended.Direction, ended.StartedAt, ended.ExtremeCelsius);
            return state with
            {
                CurrentExcursion = Worst(profile, reopened, reading, direction),
                Excursions = state.Excursions.Take(state.Excursions.Count - 1).ToArray(),
                OutsideReadings = evidence,
            };
        }

        return state with
        {
            CurrentExcursion = new OpenExcursion(direction, reading.At, reading.Celsius),
            Excursions = Last(ExcursionsKept - 1, state.Excursions),
            OutsideReadings = evidence,
        };
    }

    private static ColdChainState Inside(ColdChainState state, TemperatureSample reading, bool sameInstant)
    {
        // At the same instant as a reading outside, the instant stays outside.
        if (state.CurrentExcursion is not { } open || sameInstant)
            return state;

        var ended = new Excursion(open.Direction, open.StartedAt, reading.At, open.ExtremeCelsius);
        return state with { CurrentExcursion = null, Excursions = [.. state.Excursions, ended] };
    }

    private static OpenExcursion Worst(ColdChainProfile profile, OpenExcursion open, TemperatureSample reading, string direction)
    {
        var deviation = Deviation(profile, direction, reading.Celsius);
        var worstSoFar = Deviation(profile, open.Direction, open.ExtremeCelsius);
        // A tie between the two sides goes to above, so readings at one instant may come in any order.
        return deviation > worstSoFar || (deviation == worstSoFar && direction == ExcursionDirections.Above)
            ? open with { Direction = direction, ExtremeCelsius = reading.Celsius }
            : open;
    }

    private static ColdChainBreach AllowanceBreach(
        ColdChainProfile profile, ColdChainState state, TemperatureSample last, TemperatureSample crossing, TimeSpan outside)
    {
        var at = last.At + (profile.Allowance - state.TimeOutside);
        var detail = Invariant(
            $"{Minutes(outside)} min outside {profile.MinCelsius}..{profile.MaxCelsius} °C in total by the reading at {Time(crossing.At)}: the {Minutes(profile.Allowance)} min allowance ran out at {Time(at)}");
        return new ColdChainBreach(BreachRules.AllowanceExceeded, at, detail, profile.Allowance.TotalMinutes,
            [.. state.OutsideReadings, crossing]);
    }

    private sealed record HardLimit(string Name, double Celsius);

    private static HardLimit? HardLimitPassed(ColdChainProfile profile, TemperatureSample reading) =>
        profile.HardMaxCelsius is { } hardMax && reading.Celsius > hardMax ? new HardLimit("maximum", hardMax)
        : profile.HardMinCelsius is { } hardMin && reading.Celsius < hardMin ? new HardLimit("minimum", hardMin)
        : null;

    private static ColdChainBreach HardLimitBreach(ColdChainState state, TemperatureSample reading, HardLimit limit)
    {
        var detail = Invariant(
            $"{reading.Celsius} °C from sensor {reading.SensorId} at {Time(reading.At)} is beyond the hard {limit.Name} of {limit.Celsius} °C");
        IReadOnlyList<TemperatureSample> excursion = state.CurrentExcursion is { } open
            ? state.OutsideReadings.Where(r => r.At >= open.StartedAt).ToArray()
            : [reading];
        return new ColdChainBreach(BreachRules.HardLimit, reading.At, detail, state.MinutesOutside, excursion);
    }

    private static IReadOnlyList<T> Last<T>(int count, IReadOnlyList<T> items) =>
        items.Count <= count ? items : items.Skip(items.Count - count).ToArray();

    private static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan time) => time.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
