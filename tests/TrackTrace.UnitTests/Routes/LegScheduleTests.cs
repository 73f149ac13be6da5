using TrackTrace.Domain.Routes;

namespace TrackTrace.UnitTests.Routes;

/// <summary>
/// Legs say when their check-in is expected, as ISO-8601 durations after the previous check-in;
/// a schedule that cannot mean anything stops the service at start-up, naming the field.
/// </summary>
public sealed class LegScheduleTests
{
    private static readonly RouteCatalog Shipped = RouteCatalog.Load(WorkflowFolders.Shipped);

    [Fact]
    public void A_leg_reads_expected_within_tolerance_and_earliest_as_iso_8601_durations()
    {
        var legs = Load("""
            id: timed
            legs:
              - type: factory
                expectedWithin: P1DT12H
                tolerance: PT30M
                earliest: PT2H
              - type: truck
                expectedWithin: PT8H
              - type: destination
            """);

        Assert.Equal((TimeSpan.FromHours(36), TimeSpan.FromMinutes(30), (TimeSpan?)TimeSpan.FromHours(2)),
            (legs[0].ExpectedWithin, legs[0].Tolerance, legs[0].Earliest));
        Assert.Equal((TimeSpan.FromHours(8), TimeSpan.Zero, (TimeSpan?)null), (legs[1].ExpectedWithin, legs[1].Tolerance, legs[1].Earliest));
        Assert.Equal((null, TimeSpan.Zero), (legs[2].ExpectedWithin, legs[2].Tolerance));
    }

    [Theory]
    [InlineData("-PT1H", "'-PT1H' is negative")]
    [InlineData("PT0S", "'PT0S' is zero")]
    [InlineData("4 hours", "'4 hours' is not an ISO-8601 duration")]
    [InlineData("P1M", "'P1M' uses years or months, which have no fixed length")]
    [InlineData("PT", "'PT' is not an ISO-8601 duration")]
    [InlineData("P", "'P' is not an ISO-8601 duration")]
    public void An_expected_within_that_is_not_a_positive_duration_is_refused(string value, string problem) =>
        Refused($"""
            id: bad
            legs:
              - type: factory
              - type: truck
                expectedWithin: {value}
              - type: destination
            """, "legs[1].expectedWithin", problem);

    [Fact]
    public void A_negative_tolerance_is_refused() =>
        Refused("""
            id: bad
            legs:
              - type: factory
                expectedWithin: P1D
                tolerance: -PT2H
              - type: destination
            """, "legs[0].tolerance", "'-PT2H' is negative");

    [Fact]
    public void A_tolerance_without_expected_within_is_refused() =>
        Refused("""
            id: bad
            legs:
              - type: factory
                tolerance: PT2H
              - type: destination
            """, "legs[0].tolerance", "give the leg an expectedWithin too");

    [Fact]
    public void An_earliest_time_after_the_expected_one_is_refused() =>
        Refused("""
            id: bad
            legs:
              - type: factory
                expectedWithin: PT4H
                earliest: PT5H
              - type: destination
            """, "legs[0].earliest", "earliest (PT5H) must not be after expectedWithin (PT4H)");

    [Fact]
    public void An_empty_duration_is_refused() =>
        Refused("""
            id: bad
            legs:
              - type: factory
                expectedWithin:
              - type: destination
            """, "legs[0].expectedWithin", "empty: expected an ISO-8601 duration");

    [Theory]
    [InlineData("PT30M", 0, 0, 30, 0)]
    [InlineData("P2W", 14, 0, 0, 0)]
    [InlineData("P1DT6H", 1, 6, 0, 0)]
    [InlineData("PT1.5S", 0, 0, 0, 1.5)]
    [InlineData("PT90M", 0, 1, 30, 0)]
    public void Durations_read_as_weeks_days_hours_minutes_and_seconds(string text, int days, int hours, int minutes, double seconds)
    {
        var expected = new TimeSpan(days, hours, minutes, 0) + TimeSpan.FromSeconds(seconds);

        Assert.Equal(expected, IsoDuration.Parse(text, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData(0, 0, 0, "PT0S")]
    [InlineData(0, 2, 5, "PT2H5M")]
    [InlineData(3, 0, 0, "P3D")]
    [InlineData(1, 12, 0, "P1DT12H")]
    public void Durations_are_written_in_their_shortest_form_and_read_back(int days, int hours, int minutes, string text)
    {
        var duration = new TimeSpan(days, hours, minutes, 0);

        Assert.Equal(text, IsoDuration.Format(duration));
        Assert.Equal(duration, IsoDuration.Parse(text, out _));
    }

    [Fact]
    public void Every_leg_of_the_shipped_routes_has_a_realistic_schedule()
    {
        foreach (var route in Shipped.Routes)
        {
            Assert.All(route.Legs, leg =>
            {
                Assert.NotNull(leg.ExpectedWithin);
                Assert.InRange(leg.ExpectedWithin!.Value, TimeSpan.FromHours(4), TimeSpan.FromDays(30));
                Assert.InRange(leg.Tolerance, TimeSpan.FromHours(1), leg.ExpectedWithin.Value);
            });
        }

        // The sea voyage Rotterdam - Singapore is the long leg: three weeks and more.
        var voyage = Shipped.Get("ocean-reefer").Route.Legs[4];
        Assert.Equal(("Import customs", (TimeSpan?)TimeSpan.FromDays(24), TimeSpan.FromDays(3)), (voyage.Name, voyage.ExpectedWithin, voyage.Tolerance));
    }

    private static IReadOnlyList<Leg> Load(string yaml)
    {
        using var workflows = new ScratchWorkflows().With("timed.yaml", yaml);
        return RouteCatalog.Load(workflows.Directory).Get("timed").Route.Legs;
    }

    private static void Refused(string yaml, string field, string problem)
    {
        using var workflows = new ScratchWorkflows().With("bad.yaml", yaml);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal(("workflows/bad.yaml", field), (refusal.File, refusal.Field));
        Assert.Contains(problem, refusal.Problem);
        Assert.Contains($"workflows/bad.yaml: {field}: ", refusal.Message);
    }
}
