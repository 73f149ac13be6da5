using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;
using TrackTrace.UnitTests.Routes;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// Given the facts already on a shipment's stream, When a scanner checks it in, Then the decider
/// answers with this outcome and these new facts. Pure: no database, no clock.
/// </summary>
internal sealed class Spec
{
    private readonly RouteWorkflow _workflow;
    private readonly IReadOnlyList<object> _given;

    private Spec(RouteWorkflow workflow, IReadOnlyList<object> given)
    {
        _workflow = workflow;
        _given = given;
    }

    /// <summary>A shipment on one of the routes shipped in <c>workflows/</c>.</summary>
    public static Spec On(string routeId) => new(ShipmentFacts.Workflow(routeId), []);

    public static Spec On(RouteWorkflow workflow) => new(workflow, []);

    /// <summary>The stream so far, oldest first; arrays (such as a <see cref="ShipmentFacts.Journey"/>) are spread.</summary>
    public Spec Given(params object[] facts) =>
        new(_workflow, facts.SelectMany(fact => fact is object[] many ? many : [fact]).ToArray());

    public Decided When(CheckInShipment checkIn)
    {
        var state = _given.Aggregate((Shipment?)null, Shipment.Fold);
        Assert.NotNull(state); // a stream starts with its registration
        return new Decided(state, ShipmentDecider.CheckIn(state, _workflow, checkIn));
    }
}

/// <summary>What the decider answered, and the shipment once its new facts are folded in.</summary>
internal sealed class Decided(Shipment before, CheckInDecision decision)
{
    public CheckInDecision Decision { get; } = decision;

    public Shipment State => Decision.Events.Aggregate(before, Shipment.Fold);

    /// <summary>
    /// The outcome, and the new facts in order: each expected item is either a whole event (compared
    /// by value) or an event type (when the test looks inside the event itself).
    /// </summary>
    public Decided Then(CheckInOutcome outcome, params object[] expected)
    {
        Assert.Equal(outcome, Decision.Outcome);
        Assert.Equal(expected.Length, Decision.Events.Count);
        foreach (var (want, got) in expected.Zip(Decision.Events))
        {
            if (want is Type type)
            {
                Assert.IsType(type, got);
            }
            else
            {
                Assert.Equal(want, got);
            }
        }

        return this;
    }

    /// <summary>The one new fact of this type.</summary>
    public TEvent Event<TEvent>() => Assert.IsType<TEvent>(Assert.Single(Decision.Events, e => e is TEvent));
}
