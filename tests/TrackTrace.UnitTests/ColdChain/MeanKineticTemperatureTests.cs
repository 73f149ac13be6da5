using TrackTrace.Domain.ColdChain;
using static TrackTrace.UnitTests.ColdChain.Reefer;

namespace TrackTrace.UnitTests.ColdChain;

public sealed class MeanKineticTemperatureTests
{
    // Worked independently in Python (math.exp, math.log), ΔH = 83144 J/mol, R = 8.3144598 J/(mol·K):
    //   ΔH/R                          = 9999.928077107306 K
    //   Σ e^(−ΔH/(R·T)), 2,4,6,8,25 °C = 3.727752840469513e-15
    //   MKT = (ΔH/R) / −ln(Σ/5) − 273.15 = 13.936895428646721 °C
    // The arithmetic mean is 9 °C: the one warm reading weighs far more.
    private const double WorkedExampleMkt = 13.936895428646721;

    [Fact]
    public void A_warm_reading_pulls_the_mean_kinetic_temperature_above_the_arithmetic_mean() =>
        Assert.Equal(WorkedExampleMkt, MeanKineticTemperature.Of([2, 4, 6, 8, 25])!.Value, 1e-9);

    [Theory]
    [InlineData(-20)]
    [InlineData(5)]
    [InlineData(25)]
    public void A_constant_temperature_is_its_own_mean_kinetic_temperature(double celsius) =>
        Assert.Equal(celsius, MeanKineticTemperature.Of([celsius, celsius, celsius])!.Value, 1e-9);

    [Fact]
    public void Without_readings_there_is_no_mean_kinetic_temperature()
    {
        Assert.Null(MeanKineticTemperature.Of([]));
        Assert.Null(ColdChainState.Empty.MeanKineticCelsius);
    }

    [Fact]
    public void The_state_keeps_the_mean_kinetic_temperature_of_its_readings()
    {
        var state = Given(
            Reading("10:00", 2), Reading("10:05", 4), Reading("10:10", 6), Reading("10:15", 8), Reading("10:20", 25));

        Assert.Equal(WorkedExampleMkt, state.MeanKineticCelsius!.Value, 1e-9);
    }
}
