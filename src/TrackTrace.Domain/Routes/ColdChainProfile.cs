namespace TrackTrace.Domain.Routes;

/// <summary>
/// Temperatures a cold-chain shipment must be kept at.
/// </summary>
/// <param name="Allowance">Cumulative time outside [min, max] tolerated before it is a breach.</param>
/// <param name="HardMinCelsius">One reading below this is a breach at once.</param>
/// <param name="HardMaxCelsius">One reading above this is a breach at once.</param>
public sealed record ColdChainProfile(
    double MinCelsius,
    double MaxCelsius,
    TimeSpan Allowance,
    double? HardMinCelsius,
    double? HardMaxCelsius);
