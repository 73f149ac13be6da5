using TrackTrace.Domain.ColdChain;
using static TrackTrace.UnitTests.ColdChain.Reefer;

namespace TrackTrace.UnitTests.ColdChain;

/// <summary>A shipment breaches its cold chain once: the first breach is reported, and stays.</summary>
public sealed class BreachReportingTests
{
    private readonly List<TemperatureSample> _stored = [];

    [Fact]
    public void A_breach_is_reported_once()
    {
        // Given a batch that passes the allowance
        var first = Deliver(ColdChainState.Empty, Reading("10:00", 9), Reading("10:40", 9));
        Assert.Equal(At("10:30"), first.NewBreach?.At);

        // When more readings outside, then one past a hard limit, arrive
        var second = Deliver(first.State, Reading("10:50", 9));
        var third = Deliver(second.State, Reading("11:00", 16));

        // Then nothing new is reported and the breach stays the first one
        Assert.Null(second.NewBreach);
        Assert.Null(third.NewBreach);
        Assert.Equal(first.NewBreach, third.State.Breach);
        Assert.Equal(60, third.State.MinutesOutside);
    }

    [Fact]
    public void A_reevaluation_that_moves_the_breach_reports_nothing_new_and_keeps_the_breach_reported()
    {
        // Given a breach reported at 10:30
        var breached = Deliver(ColdChainState.Empty, Reading("10:00", 9), Reading("10:40", 5));
        var reported = Assert.IsType<ColdChainBreach>(breached.NewBreach);

        // When a late reading shows the excursion began at 9:50
        var update = Deliver(breached.State, Reading("09:50", 9));

        // Then the numbers move, the breach as reported stays, and nothing new is reported
        Assert.True(update.Reevaluated);
        Assert.Equal(50, update.State.MinutesOutside);
        Assert.Null(update.NewBreach);
        Assert.Same(reported, update.State.Breach);
    }

    [Fact]
    public void A_reevaluation_that_undoes_the_breach_keeps_the_breach_reported()
    {
        // Given a breach reported at 10:30
        var breached = Deliver(ColdChainState.Empty, Reading("10:00", 9), Reading("10:40", 9));
        var reported = Assert.IsType<ColdChainBreach>(breached.NewBreach);

        // When a late reading shows the shipment was back inside at 10:10
        var update = Deliver(breached.State, Reading("10:10", 5));

        // Then only 10 min were outside, but the breach, once out, is for a person to withdraw
        Assert.Equal(10, update.State.MinutesOutside);
        Assert.Null(update.NewBreach);
        Assert.Same(reported, update.State.Breach);
    }

    [Fact]
    public void A_new_breach_becomes_the_ColdChainBreached_event()
    {
        var breach = Deliver(ColdChainState.Empty, Reading("10:00", 9), Reading("10:40", 9)).NewBreach!;
        var detectedAt = At("10:41");

        var breached = ColdChainRules.Breached("SHP-1", Profile, breach, detectedAt);

        Assert.Equal(
            new ColdChainBreached("SHP-1", BreachRules.AllowanceExceeded, breach.Detail, 2, 8, -1, 15, 30, 30,
                breach.Readings, At("10:30"), detectedAt),
            breached);
    }

    private ColdChainUpdate Deliver(ColdChainState state, params TemperatureSample[] batch)
    {
        _stored.AddRange(batch);
        return ColdChainRules.Apply(Profile, state, batch, () => _stored);
    }
}
