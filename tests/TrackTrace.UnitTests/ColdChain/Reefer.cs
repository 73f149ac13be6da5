using System.Globalization;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Routes;

namespace TrackTrace.UnitTests.ColdChain;

/// <summary>The ocean-reefer profile and a shorthand for its readings, all on one day, in UTC.</summary>
internal static class Reefer
{
    /// <summary>2-8 °C, 30 min allowance, hard limits -1 / 15 °C.</summary>
    public static readonly ColdChainProfile Profile = new(2, 8, TimeSpan.FromMinutes(30), -1, 15);

    private static readonly DateTimeOffset Day = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>"10:05" or "10:05:30" on the day.</summary>
    public static DateTimeOffset At(string time) => Day + TimeSpan.Parse(time, CultureInfo.InvariantCulture);

    public static TemperatureSample Reading(string time, double celsius, string sensor = "S-1") =>
        new(sensor, At(time), celsius);

    public static ColdChainState Given(params TemperatureSample[] readings) => Given(Profile, readings);

    public static ColdChainState Given(ColdChainProfile profile, params TemperatureSample[] readings) =>
        ColdChainRules.Evaluate(profile, readings);

    public static ColdChainState When(ColdChainState state, params TemperatureSample[] readings) =>
        readings.Aggregate(state, (s, reading) => ColdChainRules.Advance(Profile, s, reading));
}
