using TrackTrace.Domain.ColdChain;
using static TrackTrace.UnitTests.ColdChain.Reefer;

namespace TrackTrace.UnitTests.ColdChain;

/// <summary>One reading beyond a hard limit is a breach at once, whatever the allowance left.</summary>
public sealed class HardLimitTests
{
    [Fact]
    public void A_reading_above_the_hard_maximum_is_a_breach_at_that_reading()
    {
        // Given a shipment 5 min into an excursion
        var state = Given(Reading("10:00", 5), Reading("10:05", 9), Reading("10:10", 12));

        // When a reading passes the hard maximum of 15 °C
        var next = When(state, Reading("10:12", 15.5, sensor: "S-2"));

        // Then it is a breach at that reading, carrying the excursion's readings
        var breach = Assert.IsType<ColdChainBreach>(next.Breach);
        Assert.Equal(BreachRules.HardLimit, breach.Rule);
        Assert.Equal(At("10:12"), breach.At);
        Assert.Equal(7, breach.MinutesOutside);
        Assert.Equal([Reading("10:05", 9), Reading("10:10", 12), Reading("10:12", 15.5, "S-2")], breach.Readings);
        Assert.Equal(
            "15.5 °C from sensor S-2 at 2025-03-01 10:12:00Z is beyond the hard maximum of 15 °C", breach.Detail);
    }

    [Fact]
    public void The_first_reading_below_the_hard_minimum_is_a_breach_at_that_reading()
    {
        var state = Given(Reading("10:00", -1.5));

        Assert.Equal(BreachRules.HardLimit, state.Breach?.Rule);
        Assert.Equal(At("10:00"), state.Breach?.At);
        Assert.Equal(0, state.Breach?.MinutesOutside);
        Assert.Equal([Reading("10:00", -1.5)], state.Breach?.Readings);
        Assert.Contains("beyond the hard minimum of -1 °C", state.Breach?.Detail);
    }

    [Theory]
    [InlineData(15.0, false)]
    [InlineData(15.01, true)]
    [InlineData(-1.0, false)]
    [InlineData(-1.01, true)]
    public void Exactly_a_hard_limit_is_not_a_breach(double celsius, bool breached) =>
        Assert.Equal(breached, Given(Reading("10:00", celsius)).IsBreached);

    [Fact]
    public void Without_hard_limits_a_reading_far_out_is_only_an_excursion()
    {
        var profile = Reefer.Profile with { HardMinCelsius = null, HardMaxCelsius = null };

        var state = Given(profile, Reading("10:00", 40), Reading("10:05", -40));

        Assert.False(state.IsBreached);
        Assert.Equal(new OpenExcursion(ExcursionDirections.Below, At("10:00"), -40), state.CurrentExcursion);
    }

    [Fact]
    public void When_the_allowance_ran_out_before_a_hard_limit_reading_the_allowance_is_the_breach()
    {
        // Given a reading outside
        var state = Given(Reading("10:00", 9));

        // When the next one, 45 min later, passes the hard maximum
        var next = When(state, Reading("10:45", 16));

        // Then the allowance ran out first, at 10:30
        Assert.Equal(BreachRules.AllowanceExceeded, next.Breach?.Rule);
        Assert.Equal(At("10:30"), next.Breach?.At);
    }
}
