namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// The service's clock in a test: the real time moved forward by what the test says has passed, so a
/// due time hours away arrives at once without sleeping. Timers keep real time (the base class's),
/// so the service's periodic work goes on as usual; only "now" jumps. Share one between instances to
/// give them one clock.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    /// <summary>Lets <paramref name="span"/> pass at once.</summary>
    public void Advance(TimeSpan span) => Interlocked.Add(ref _offsetTicks, span.Ticks);
}
