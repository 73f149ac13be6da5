using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments;

/// <summary>What a shipment command came to: the shipment after it, or the refusal.</summary>
public sealed record ShipmentChange(Shipment? State, RouteWorkflow? Workflow, Refusal? Refusal);

/// <summary>
/// The handler of the simple shipment commands: load, decide with a pure rule, append, and on a
/// version conflict (another scan got in first) load again and decide again.
/// </summary>
public sealed class ShipmentCommands(ShipmentStreams streams, RouteCatalog routes)
{
    public const int MaxAttempts = 5;

    public async Task<ShipmentChange> DecideAsync(
        string shipmentId, Func<Shipment, RouteWorkflow, Decision> decide, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadAsync(shipmentId, fresh: attempt > 0, ct);
            if (shipment is null)
            {
                return new ShipmentChange(null, null, ShipmentRefusals.NotFound(shipmentId));
            }

            var workflow = routes.Get(shipment.RouteId);
            var decision = decide(shipment, workflow);
            if (decision.Refusal is { } refusal)
            {
                return new ShipmentChange(shipment, workflow, refusal);
            }

            if (decision.Events.Count == 0)
            {
                return new ShipmentChange(shipment, workflow, null);
            }

            var appended = await streams.AppendGroupCommittedAsync(shipment, decision.Events, null, ct);
            if (appended.Outcome == AppendOutcome.Appended)
            {
                return new ShipmentChange(appended.State, workflow, null);
            }
        }

        return new ShipmentChange(null, null, ShipmentRefusals.Busy());
    }
}
