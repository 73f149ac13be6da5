using TrackTrace.Domain.ColdChain;
using static TrackTrace.UnitTests.ColdChain.Reefer;

namespace TrackTrace.UnitTests.ColdChain;

/// <summary>
/// Batches in time order are folded in; a late reading makes the whole series be evaluated again,
/// with the late reading in its place.
/// </summary>
public sealed class LateReadingTests
{
    /// <summary>The shipment's stored readings: what a batch is appended to, in arrival order.</summary>
    private readonly List<TemperatureSample> _stored = [];

    [Fact]
    public void A_batch_in_time_order_is_folded_in_without_reading_the_series()
    {
        var state = Deliver(ColdChainState.Empty, Reading("10:00", 5), Reading("10:05", 9)).State;

        var update = ColdChainRules.Apply(Profile, state, [Reading("10:10", 9), Reading("10:05", 5, "S-2")],
            () => throw new InvalidOperationException("the series was read"));

        Assert.False(update.Reevaluated);
        Assert.Equal(5, update.State.MinutesOutside);
        Assert.Equal(4, update.State.ReadingCount);
    }

    [Fact]
    public void A_late_reading_outside_can_cause_a_breach()
    {
        // Given 20 min outside, then 30 min inside
        var state = Deliver(ColdChainState.Empty, Reading("10:00", 9), Reading("10:20", 5), Reading("10:50", 5)).State;
        Assert.Equal(20, state.MinutesOutside);

        // When a reading from 10:30, outside, arrives late
        var update = Deliver(state, Reading("10:30", 9.5));

        // Then 10:30-10:50 was outside too: 40 min, and the allowance ran out at 10:40
        Assert.True(update.Reevaluated);
        Assert.Equal(40, update.State.MinutesOutside);
        Assert.Equal(BreachRules.AllowanceExceeded, update.NewBreach?.Rule);
        Assert.Equal(At("10:40"), update.NewBreach?.At);
        Assert.Equal(update.NewBreach, update.State.Breach);
        Assert.Equal(
            [new Excursion(ExcursionDirections.Above, At("10:00"), At("10:20"), 9),
             new Excursion(ExcursionDirections.Above, At("10:30"), At("10:50"), 9.5)],
            update.State.Excursions);
    }

    [Fact]
    public void A_late_reading_inside_can_avoid_a_breach()
    {
        // Given 25 min outside so far
        var state = Deliver(ColdChainState.Empty, Reading("10:00", 9), Reading("10:25", 9)).State;
        Assert.Equal(25, state.MinutesOutside);

        // When a reading from 10:10, inside, arrives late with the next reading, outside
        var update = Deliver(state, Reading("10:10", 5), Reading("10:40", 9));

        // Then the first excursion ended at 10:10: 10 + 15 min, under the allowance
        Assert.True(update.Reevaluated);
        Assert.Equal(25, update.State.MinutesOutside);
        Assert.Null(update.NewBreach);
        Assert.False(update.State.IsBreached);

        // ...where folding in only the reading in time order would have found one
        var incremental = When(state, Reading("10:40", 9));
        Assert.Equal(40, incremental.MinutesOutside);
        Assert.Equal(At("10:30"), incremental.Breach?.At);
    }

    [Fact]
    public void A_late_reading_makes_the_series_be_evaluated_again_from_the_start()
    {
        var state = Deliver(ColdChainState.Empty, Reading("10:00", 5), Reading("10:10", 5)).State;
        Assert.Null(ColdChainRules.TryAdvance(Profile, state, [Reading("10:20", 5), Reading("10:09", 5)]));

        var update = Deliver(state, Reading("10:20", 5), Reading("10:09", 5));

        Assert.True(update.Reevaluated);
        Assert.Equal(4, update.State.ReadingCount);
        Assert.Equal(Reading("10:00", 5), update.State.FirstReading);
        Assert.Equal(Reading("10:20", 5), update.State.LastReading);
    }

    [Fact]
    public void A_batch_at_the_instant_of_the_last_reading_is_not_late()
    {
        var state = Deliver(ColdChainState.Empty, Reading("10:00", 5)).State;

        var update = Deliver(state, Reading("10:00", 9, "S-2"), Reading("10:05", 5));

        Assert.False(update.Reevaluated);
        Assert.Equal(5, update.State.MinutesOutside);
    }

    [Fact]
    public void An_empty_batch_changes_nothing()
    {
        var state = Deliver(ColdChainState.Empty, Reading("10:00", 9)).State;

        var update = Deliver(state);

        Assert.Same(state, update.State);
        Assert.Null(update.NewBreach);
        Assert.False(update.Reevaluated);
    }

    [Fact]
    public void However_the_readings_are_batched_and_delayed_the_result_is_that_of_the_whole_series()
    {
        // Given a day of readings from two sensors, sometimes at the same instant, a few of them late
        var tolerant = Profile with { Allowance = TimeSpan.FromDays(2), HardMinCelsius = null, HardMaxCelsius = null };
        var random = new Random(20250301);
        var series = new List<TemperatureSample>();
        var at = At("00:00");
        for (var i = 0; i < 600; i++)
        {
            at = at.AddMinutes(random.Next(0, 4));
            series.Add(new TemperatureSample(random.Next(2) == 0 ? "DOOR" : "MIDDLE", at, Math.Round(random.NextDouble() * 10, 1)));
        }

        var arrivals = series.Select((reading, i) => (reading, arrives: i + random.Next(0, 8)))
            .OrderBy(r => r.arrives).Select(r => r.reading).ToArray();

        // When they arrive in batches of 1 to 9
        var state = ColdChainState.Empty;
        var reevaluations = 0;
        for (var next = 0; next < arrivals.Length;)
        {
            var size = Math.Min(random.Next(1, 10), arrivals.Length - next);
            _stored.AddRange(arrivals[next..(next + size)]);
            var update = ColdChainRules.Apply(tolerant, state, arrivals[next..(next + size)], () => _stored);
            reevaluations += update.Reevaluated ? 1 : 0;
            state = update.State;
            next += size;
        }

        // Then the time outside and the excursions are those of the series evaluated in time order,
        // even with the readings at each instant taken the other way round
        var expected = ColdChainRules.Evaluate(tolerant, Enumerable.Reverse(series).OrderBy(r => r.At));
        Assert.InRange(reevaluations, 1, arrivals.Length - 1);
        Assert.True(expected.Excursions.Count > 10);
        Assert.Equal(expected.TimeOutside, state.TimeOutside);
        Assert.Equal(expected.Excursions, state.Excursions);
        Assert.Equal(expected.CurrentExcursion, state.CurrentExcursion);
        Assert.Equal(expected.ReadingCount, state.ReadingCount);
        Assert.Equal((expected.LowestCelsius, expected.HighestCelsius), (state.LowestCelsius, state.HighestCelsius));
        Assert.Equal(expected.MeanKineticCelsius!.Value, state.MeanKineticCelsius!.Value, 1e-9);
    }

    /// <summary>Stores the batch, as the service does, then applies it.</summary>
    private ColdChainUpdate Deliver(ColdChainState state, params TemperatureSample[] batch)
    {
        _stored.AddRange(batch);
        return ColdChainRules.Apply(Profile, state, batch, () => _stored);
    }
}
