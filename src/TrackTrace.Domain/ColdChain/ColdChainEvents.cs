using TrackTrace.Domain.Facts;

namespace TrackTrace.Domain.ColdChain;

public sealed record TemperatureSample(string SensorId, DateTimeOffset At, double Celsius);

/// <summary>
/// The shipment's readings broke its route's cold-chain profile: either the cumulative time outside
/// [min, max] passed the allowance, or one reading passed a hard limit. Flips delivery to 'refused'.
/// </summary>
public sealed record ColdChainBreached(
    string ShipmentId,
    string Rule,
    string Detail,
    double MinCelsius,
    double MaxCelsius,
    double? HardMinCelsius,
    double? HardMaxCelsius,
    double AllowanceMinutes,
    double MinutesOutside,
    IReadOnlyList<TemperatureSample> Readings,
    DateTimeOffset BreachedAt,
    DateTimeOffset DetectedAt) : IShipmentFact;

public static class BreachRules
{
    public const string AllowanceExceeded = "allowance-exceeded";
    public const string HardLimit = "hard-limit";
}
