using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Routes;
using static TrackTrace.UnitTests.ColdChain.Reefer;

namespace TrackTrace.UnitTests.ColdChain;

/// <summary>Time outside [min, max] adds up over excursions; more than the allowance is a breach.</summary>
public sealed class TimeOutsideTests
{
    [Fact]
    public void Excursions_add_up_across_the_time_back_inside_and_the_breach_is_when_the_allowance_ran_out()
    {
        // Given 20 min outside, 30 min back inside, then outside again
        var state = Given(
            Reading("10:00", 9), Reading("10:20", 5), Reading("10:40", 5), Reading("10:50", 9.5));
        Assert.Equal(20, state.MinutesOutside);
        Assert.False(state.IsBreached);

        // When the shipment is back inside 15 min later
        var next = When(state, Reading("11:05", 5));

        // Then 35 min is over the 30 min allowance, which ran out 10 min into the second excursion
        Assert.Equal(35, next.MinutesOutside);
        var breach = Assert.IsType<ColdChainBreach>(next.Breach);
        Assert.Equal(BreachRules.AllowanceExceeded, breach.Rule);
        Assert.Equal(At("11:00"), breach.At);
        Assert.Equal(30, breach.MinutesOutside);
        Assert.Equal([Reading("10:00", 9), Reading("10:50", 9.5), Reading("11:05", 5)], breach.Readings);
        Assert.Equal(
            "35 min outside 2..8 °C in total by the reading at 2025-03-01 11:05:00Z: " +
            "the 30 min allowance ran out at 2025-03-01 11:00:00Z",
            breach.Detail);
        Assert.Equal(
            [new Excursion(ExcursionDirections.Above, At("10:00"), At("10:20"), 9),
             new Excursion(ExcursionDirections.Above, At("10:50"), At("11:05"), 9.5)],
            next.Excursions);
        Assert.Equal([20.0, 15.0], next.Excursions.Select(e => e.Minutes));
    }

    [Fact]
    public void Exactly_the_allowance_is_not_a_breach()
    {
        // Given 20 min outside, then back inside
        var state = Given(Reading("10:00", 9), Reading("10:20", 5), Reading("10:40", 1.5));

        // When the second excursion lasts 10 min
        var next = When(state, Reading("10:50", 2));

        // Then 30 min is the allowance, not more
        Assert.Equal(30, next.MinutesOutside);
        Assert.False(next.IsBreached);
    }

    [Fact]
    public void One_second_more_than_the_allowance_is_a_breach_when_the_allowance_ran_out()
    {
        // Given 20 min outside, then back inside
        var state = Given(Reading("10:00", 9), Reading("10:20", 5), Reading("10:40", 1.5));

        // When the second excursion lasts 10 min and 1 s
        var next = When(state, Reading("10:50:01", 2));

        // Then the allowance ran out a second before that reading
        Assert.Equal(BreachRules.AllowanceExceeded, next.Breach?.Rule);
        Assert.Equal(At("10:50"), next.Breach?.At);
        Assert.Equal(30, next.Breach?.MinutesOutside);
    }

    [Fact]
    public void Exactly_min_and_max_are_inside()
    {
        var state = Given(Reading("10:00", 2), Reading("11:00", 8), Reading("12:00", 2));

        Assert.Equal(0, state.MinutesOutside);
        Assert.Empty(state.Excursions);
        Assert.Null(state.CurrentExcursion);
        Assert.False(state.IsBreached);
    }

    [Fact]
    public void A_gap_in_the_data_after_a_reading_outside_counts_as_outside()
    {
        // Given a reading outside
        var state = Given(Reading("10:00", 9));

        // When the next one comes two hours later, back inside
        var next = When(state, Reading("12:00", 5));

        // Then the whole gap counts, and the allowance ran out 30 min in
        Assert.Equal(120, next.MinutesOutside);
        Assert.Equal(At("10:30"), next.Breach?.At);
    }

    [Fact]
    public void A_gap_in_the_data_after_a_reading_inside_counts_as_inside()
    {
        // Given a reading inside
        var state = Given(Reading("10:00", 5));

        // When the next one comes two hours later, outside
        var next = When(state, Reading("12:00", 9));

        // Then no time is outside yet: the excursion starts at that reading
        Assert.Equal(0, next.MinutesOutside);
        Assert.Equal(new OpenExcursion(ExcursionDirections.Above, At("12:00"), 9), next.CurrentExcursion);
        Assert.False(next.IsBreached);
    }

    [Fact]
    public void An_open_excursion_counts_up_to_the_last_reading()
    {
        var state = Given(Reading("10:00", 5), Reading("10:05", 1.5), Reading("10:10", 0.5), Reading("10:15", 1));

        Assert.Equal(10, state.MinutesOutside);
        Assert.Equal(new OpenExcursion(ExcursionDirections.Below, At("10:05"), 0.5), state.CurrentExcursion);
        Assert.Empty(state.Excursions);
    }

    [Fact]
    public void An_excursion_records_its_worst_reading()
    {
        var state = Given(Reading("10:00", 9), Reading("10:05", 11), Reading("10:10", 9.5), Reading("10:15", 7));

        Assert.Equal([new Excursion(ExcursionDirections.Above, At("10:00"), At("10:15"), 11)], state.Excursions);
    }

    [Fact]
    public void Going_from_above_to_below_without_a_reading_inside_is_one_excursion_on_its_worse_side()
    {
        // 9 °C is 1 above the maximum, 0 °C is 2 below the minimum
        var state = Given(Reading("10:00", 9), Reading("10:05", 0), Reading("10:10", 5));

        Assert.Equal([new Excursion(ExcursionDirections.Below, At("10:00"), At("10:10"), 0)], state.Excursions);
        Assert.Equal(10, state.MinutesOutside);
    }

    [Fact]
    public void The_chart_keeps_the_last_50_excursions_and_the_time_outside_counts_them_all()
    {
        // Given a profile that tolerates a day outside, and 60 one-minute excursions an hour apart
        var tolerant = Reefer.Profile with { Allowance = TimeSpan.FromDays(1) };
        var readings = Enumerable.Range(0, 60).SelectMany(hour => new[]
        {
            new TemperatureSample("S-1", At("00:00").AddHours(hour), 9),
            new TemperatureSample("S-1", At("00:01").AddHours(hour), 5),
        });

        var state = ColdChainRules.Evaluate(tolerant, readings);

        Assert.Equal(60, state.MinutesOutside);
        Assert.Equal(ColdChainRules.ExcursionsKept, state.Excursions.Count);
        Assert.Equal(At("00:00").AddHours(10), state.Excursions[0].StartedAt);
        Assert.Equal(At("00:00").AddHours(59), state.Excursions[^1].StartedAt);

        // When one more starts, the current one counts towards the 50 too
        var open = ColdChainRules.Advance(tolerant, state, new TemperatureSample("S-1", At("00:00").AddHours(60), 9));

        Assert.Equal(ColdChainRules.ExcursionsKept - 1, open.Excursions.Count);
        Assert.Equal(At("00:00").AddHours(11), open.Excursions[0].StartedAt);
        Assert.NotNull(open.CurrentExcursion);
    }

    [Fact]
    public void A_breach_carries_the_last_50_readings_outside_and_the_reading_that_crossed()
    {
        // Given 60 readings a few seconds apart just above the maximum (under 30 min in all)
        var readings = Enumerable.Range(0, 60)
            .Select(i => new TemperatureSample("S-1", At("10:00").AddSeconds(20 * i), 8.5))
            .ToArray();
        var state = Given(readings);
        Assert.False(state.IsBreached);

        // When the next reading comes an hour later
        var next = When(state, Reading("11:30", 5));

        // Then the breach holds the last 50 readings outside, then the one that crossed
        var breach = Assert.IsType<ColdChainBreach>(next.Breach);
        Assert.Equal([.. readings[10..], Reading("11:30", 5)], breach.Readings);
    }

    [Fact]
    public void A_reading_earlier_than_the_last_one_is_refused()
    {
        var state = Given(Reading("10:00", 5));

        var refused = Assert.Throws<ArgumentException>(() => When(state, Reading("09:59", 5)));
        Assert.Contains("earlier than the last one", refused.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_reading_that_is_not_a_finite_temperature_is_refused(double celsius) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Given(Reading("10:00", celsius)));
}
