using TrackTrace.Api.Messaging;
using TrackTrace.Api.Shipments.GettingTimeline;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Shipments;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Facts;

/// <summary>
/// Every shipment fact has a case in every reader of shipment facts: the fold, the timeline, the
/// contract mapping and the alert rules. A new fact type fails here until each reader names it.
/// </summary>
public sealed class FactReadersTests
{
    private static readonly DateTimeOffset Now = ScannedAt.AddMinutes(1);

    /// <summary>One of each shipment fact, in an order a stream could hold them after its registration.</summary>
    private static readonly IReadOnlyList<IShipmentFact> OneOfEach =
    [
        Registered("ocean-reefer"),
        new SensorAttached(Reference, "LOGGER-1", "ADMIN-1", ScannedAt),
        CheckedIn("ocean-reefer", 1),
        new OutOfSequenceScanRecorded(Reference, ScanId, "port", "PORT-1", Scanner, 1, "Factory dispatch", ["truck"], "skips", ScannedAt, ReceivedAt),
        new CheckInOverdue(Reference, 2, "Pre-carriage to the port", ["truck"], ScannedAt, ScannedAt.AddHours(18), Now),
        ColdChainBreached(),
        new SensorDetached(Reference, "LOGGER-1", "ADMIN-1", ScannedAt),
        RefusedAt("DESTINATION-7"),
        ReturnCheckedIn("truck", "TRUCK-9"),
        DeliveryReleased(),
        DeliveredAt("DESTINATION-7"),
    ];

    public static TheoryData<string> FactTypes() => new(typeof(IShipmentFact).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IShipmentFact).IsAssignableFrom(t)).Select(t => t.Name));

    [Theory]
    [MemberData(nameof(FactTypes))]
    public void Every_shipment_fact_is_named_by_the_fold_the_timeline_the_contract_mapping_and_the_alert_rules(string type)
    {
        var fact = Assert.Single(OneOfEach, f => f.GetType().Name == type);

        var state = (Shipment?)Shipment.Create(Registered("ocean-reefer"));
        if (fact is not ShipmentRegistered)
        {
            state = Shipment.Fold(state, fact);
        }

        Assert.NotNull(state);
        Assert.False(string.IsNullOrWhiteSpace(GetTimelineEndpoint.Describe(fact).Summary));
        Assert.NotNull(ContractMapping.ToMessages(Guid.NewGuid(), fact));
        _ = AlertRules.For(fact, "alert-1", Now);
    }

    [Fact]
    public void A_check_in_overdue_leaves_as_its_v1_contract_and_raises_its_alert()
    {
        var overdue = Assert.IsType<CheckInOverdue>(OneOfEach.Single(f => f is CheckInOverdue));
        var id = Guid.NewGuid();

        var message = Assert.IsType<TrackTrace.Contracts.V1.CheckInOverdue>(Assert.Single(ContractMapping.ToMessages(id, overdue)));

        Assert.Equal((id, Reference, 2, "Pre-carriage to the port", overdue.DueAt, overdue.WaitingSince, Now),
            (message.EventId, message.ShipmentId, message.LegNumber, message.LegName, message.DueAt, message.WaitingSince, message.DetectedAt));
        Assert.Equal(AlertTypes.CheckInOverdue, AlertRules.For(overdue, "alert-1", Now)?.Type);
        Assert.Equal(overdue.DueAt, GetTimelineEndpoint.Describe(overdue).At);
    }
}
