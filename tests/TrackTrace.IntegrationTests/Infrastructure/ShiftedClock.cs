namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// The system clock moved forward by however much a test says, so a token can expire or a grace end
/// without waiting. Timers still tick in real time (the service's sweeps run at their own interval).
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
