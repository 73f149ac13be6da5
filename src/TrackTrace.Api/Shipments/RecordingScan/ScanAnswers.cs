using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.RecordingScan;

public sealed record LegSummary(int Number, string StationType, string Name, bool Optional)
{
    public static LegSummary From(Leg leg) => new(leg.Number, leg.StationType, leg.Name, leg.Optional);
}

public sealed record ScanAccepted(
    string Status,
    Guid ScanId,
    string ShipmentId,
    string StationId,
    LegSummary? Leg,
    IReadOnlyList<LegSummary> NextExpected,
    ShipmentStatus ShipmentStatus,
    string Delivery,
    string? Note);

/// <summary>The one place that turns a check-in decision into what the scanner is answered (and what a retry replays).</summary>
public static class ScanAnswers
{
    public static (int Status, object Body) From(
        Shipment shipment, RouteWorkflow workflow, CheckInShipment command, CheckInDecision decision)
    {
        var after = decision.Events.Aggregate(shipment, Shipment.Fold);
        var delivery = after.Attributes.GetValueOrDefault(DeliveryAttribute.Name, DeliveryAttribute.Accepted);
        var expected = decision.NextExpected.Select(LegSummary.From).ToArray();
        switch (decision.Outcome)
        {
            case CheckInOutcome.OutOfSequence:
                return (StatusCodes.Status409Conflict, Problems.Details(StatusCodes.Status409Conflict, "out-of-sequence",
                    "Out of sequence", $"{decision.Reason}. The scan was recorded as an anomaly and an alert was raised.",
                    new Dictionary<string, object?>
                    {
                        ["shipmentId"] = shipment.Id,
                        ["currentLeg"] = new { number = shipment.Progress, name = ShipmentDecider.CurrentLegName(shipment, workflow) },
                        ["expectedStationTypes"] = expected.Select(l => l.StationType).Distinct().ToArray(),
                        ["expectedNext"] = expected,
                    }));
            case CheckInOutcome.DeliveryRefused:
                return (StatusCodes.Status409Conflict, Problems.Details(StatusCodes.Status409Conflict, "delivery-refused",
                    "Delivery refused", $"{decision.Reason}. The refusal was recorded and an alert was raised.",
                    new Dictionary<string, object?>
                    {
                        ["shipmentId"] = shipment.Id,
                        ["delivery"] = delivery,
                        ["breach"] = shipment.Breached ? $"/api/shipments/{shipment.Id}/timeline" : null,
                    }));
            case CheckInOutcome.Accepted or CheckInOutcome.Delivered or CheckInOutcome.RecordedOffRoute:
                var note = delivery == DeliveryAttribute.Refused
                    ? "delivery of this shipment is refused: the destination will not accept it"
                    : null;
                return (StatusCodes.Status201Created, new ScanAccepted("accepted", command.ScanId, shipment.Id,
                    command.StationId, decision.Leg is null ? null : LegSummary.From(decision.Leg), expected,
                    after.Status, delivery, note));
            default:
                throw new ArgumentOutOfRangeException(nameof(decision), decision.Outcome, "no answer for this check-in outcome");
        }
    }

    public static void Count(CheckInOutcome outcome)
    {
        if (outcome == CheckInOutcome.OutOfSequence)
        {
            Metrics.ScansOutOfSequence.Add(1);
        }
        else
        {
            Metrics.ScansAccepted.Add(1);
        }
    }
}
