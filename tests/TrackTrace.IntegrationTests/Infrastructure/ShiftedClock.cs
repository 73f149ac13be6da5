namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// The real clock moved on by whatever a test says, so a test can let an hour pass without waiting
/// for it. Timers keep real time; only "now" moves.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
