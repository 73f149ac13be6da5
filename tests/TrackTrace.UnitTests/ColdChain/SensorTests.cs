using TrackTrace.Domain.ColdChain;
using static TrackTrace.UnitTests.ColdChain.Reefer;

namespace TrackTrace.UnitTests.ColdChain;

/// <summary>A shipment's readings are one series, whichever of its sensors sent them.</summary>
public sealed class SensorTests
{
    [Fact]
    public void Readings_of_two_sensors_interleave_into_one_series()
    {
        // Given a sensor by the door that reads warm and one in the middle that reads cold
        var state = Given(
            Reading("10:00", 9, "DOOR"), Reading("10:05", 5, "MIDDLE"),
            Reading("10:10", 9, "DOOR"), Reading("10:15", 5, "MIDDLE"));

        // Then each interval counts by the reading that starts it
        Assert.Equal(10, state.MinutesOutside);
        Assert.Equal(
            [new Excursion(ExcursionDirections.Above, At("10:00"), At("10:05"), 9),
             new Excursion(ExcursionDirections.Above, At("10:10"), At("10:15"), 9)],
            state.Excursions);
        Assert.Equal(4, state.ReadingCount);
        Assert.Equal((5.0, 9.0), (state.LowestCelsius, state.HighestCelsius));
    }

    [Fact]
    public void A_batch_from_two_sensors_is_folded_in_time_order()
    {
        // When both sensors' readings arrive in one batch, each sensor's in a block
        var update = ColdChainRules.TryAdvance(Profile, ColdChainState.Empty,
        [
            Reading("10:00", 9, "DOOR"), Reading("10:10", 9, "DOOR"),
            Reading("10:05", 5, "MIDDLE"), Reading("10:15", 5, "MIDDLE"),
        ]);

        // Then it is the same as the series in time order
        Assert.NotNull(update);
        Assert.False(update.Reevaluated);
        Assert.Equal(10, update.State.MinutesOutside);
        Assert.Equal(2, update.State.Excursions.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void At_the_same_instant_a_reading_outside_keeps_the_shipment_outside_whatever_the_order(bool outsideFirst)
    {
        // Given an excursion since 9:50
        var state = Given(Reading("09:50", 9, "DOOR"));
        TemperatureSample[] sameInstant = [Reading("10:00", 9.5, "DOOR"), Reading("10:00", 5, "MIDDLE")];

        // When both sensors report at 10:00, one outside and one inside, then the door is back inside
        var next = When(state, [.. outsideFirst ? sameInstant : Enumerable.Reverse(sameInstant), Reading("10:10", 5, "DOOR")]);

        // Then it is one excursion, outside until 10:10
        Assert.Equal([new Excursion(ExcursionDirections.Above, At("09:50"), At("10:10"), 9.5)], next.Excursions);
        Assert.Equal(20, next.MinutesOutside);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_excursion_can_start_with_one_of_two_readings_at_the_same_instant(bool outsideFirst)
    {
        TemperatureSample[] sameInstant = [Reading("10:00", 9, "DOOR"), Reading("10:00", 5, "MIDDLE")];

        var state = Given([.. outsideFirst ? sameInstant : Enumerable.Reverse(sameInstant), Reading("10:20", 5, "DOOR")]);

        Assert.Equal([new Excursion(ExcursionDirections.Above, At("10:00"), At("10:20"), 9)], state.Excursions);
        Assert.Equal(20, state.MinutesOutside);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Equally_bad_readings_on_both_sides_at_one_instant_make_an_excursion_above_whatever_the_order(bool aboveFirst)
    {
        // 9 °C is 1 above the maximum, 1 °C is 1 below the minimum
        TemperatureSample[] sameInstant = [Reading("10:00", 9, "DOOR"), Reading("10:00", 1, "FLOOR")];

        var state = Given(aboveFirst ? sameInstant : [.. Enumerable.Reverse(sameInstant)]);

        Assert.Equal(new OpenExcursion(ExcursionDirections.Above, At("10:00"), 9), state.CurrentExcursion);
    }

    [Fact]
    public void A_reading_at_the_same_instant_as_the_last_one_is_folded_in()
    {
        var state = Given(Reading("10:00", 5, "DOOR"));

        var next = When(state, Reading("10:00", 6, "MIDDLE"));

        Assert.Equal(2, next.ReadingCount);
        Assert.Equal(Reading("10:00", 6, "MIDDLE"), next.LastReading);
        Assert.Equal(Reading("10:00", 5, "DOOR"), next.FirstReading);
    }
}
