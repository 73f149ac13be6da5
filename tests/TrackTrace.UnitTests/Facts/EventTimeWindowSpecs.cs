using TrackTrace.Domain.Decisions;

namespace TrackTrace.UnitTests.Facts;

/// <summary>An event time is believed within the clock skew ahead and the maximum age behind, both inclusive.</summary>
public sealed class EventTimeWindowSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly EventTimeWindow Window = new(TimeSpan.FromMinutes(5), TimeSpan.FromDays(30));

    [Theory]
    [InlineData(0)]
    [InlineData(5 * 60)]
    [InlineData(-30 * 24 * 3600)]
    public void At_the_edges_the_time_is_accepted(int secondsFromNow) => Assert.Null(Window.Problem(Now.AddSeconds(secondsFromNow), Now));

    [Fact]
    public void Further_ahead_than_the_skew_is_refused() =>
        Assert.Contains("in the future", Window.Problem(Now.AddMinutes(5).AddSeconds(1), Now));

    [Fact]
    public void Older_than_the_maximum_age_is_refused() =>
        Assert.Contains("in the past", Window.Problem(Now.AddDays(-30).AddSeconds(-1), Now));

    [Fact]
    public void The_default_is_five_minutes_ahead_and_thirty_days_back() =>
        Assert.Equal(Window, EventTimeWindow.Default);
}
