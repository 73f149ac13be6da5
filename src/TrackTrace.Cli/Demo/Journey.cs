namespace TrackTrace.Cli.Demo;

/// <summary>A scan at a station that is not next on the route, made on purpose before leg <see cref="BeforeLeg"/>.</summary>
internal sealed record Detour(DemoStation Station, DateTimeOffset At, int BeforeLeg);

/// <summary>
/// One shipment's story as the demo plays it: the station of each leg with the time its scanner
/// checks the shipment in, the sensor's trace for cold-chain routes, and an optional detour. Times
/// lie in the past and increase; the last check-in (the destination) is made at the moment it is
/// sent, so it follows everything the service stamps with its own clock (registration, sensor
/// attached) and closes the timeline.
/// </summary>
internal sealed record Journey(
    string Title,
    string ShipmentId,
    string Route,
    string Description,
    IReadOnlyList<DemoStation> Legs,
    IReadOnlyList<DateTimeOffset> CheckIns,
    DateTimeOffset End,
    TemperatureTrace? Temperatures = null,
    Detour? Detour = null)
{
    /// <summary>When each leg starts, as a share of the journey: long at sea, short on the road.</summary>
    public static readonly IReadOnlyList<double> OceanReeferShares = [0, 0.06, 0.18, 0.32, 0.72, 0.84, 1];

    public static readonly IReadOnlyList<double> RoadDomesticShares = [0, 0.12, 1];

    /// <summary>Check-ins from <paramref name="start"/> to <paramref name="end"/> at the given shares, in whole seconds.</summary>
    public static IReadOnlyList<DateTimeOffset> Schedule(DateTimeOffset start, DateTimeOffset end, IReadOnlyList<double> shares) =>
        shares.Select(share => WholeSeconds(start + share * (end - start))).ToArray();

    public static DateTimeOffset WholeSeconds(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, at.Offset);

    public static DateTimeOffset WholeMinutes(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerMinute, at.Offset);

    public bool IsLastLeg(int index) => index == Legs.Count - 1;

    /// <summary>What the sensor sends while the shipment is on leg <paramref name="index"/> (until the next check-in).</summary>
    public IReadOnlyList<Reading> ReadingsOnLeg(int index) =>
        Temperatures is null ? []
        : IsLastLeg(index) ? []
        : Temperatures.Between(CheckIns[index], index + 1 == Legs.Count - 1 ? End + TimeSpan.FromTicks(1) : CheckIns[index + 1]);
}
