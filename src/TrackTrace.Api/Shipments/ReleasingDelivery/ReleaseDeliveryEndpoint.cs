using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments.GettingShipment;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.ReleasingDelivery;

public sealed record ReleaseRequest(string? Reason);

/// <summary>POST /api/shipments/{id}/release: an admin overrides a refused delivery, with the reason kept as a fact.</summary>
public static class ReleaseDeliveryEndpoint
{
    public static void MapReleaseDelivery(this RouteGroupBuilder shipment) =>
        shipment.MapPost("/release", Handle).RequireAuthorization(Roles.Admin)
            .WithSummary("Release a refused delivery, with the reason kept as a fact (admin)");

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Handle(
        string shipmentId, ReleaseRequest request, HttpContext http, ShipmentStreams streams, ColdChainLedger ledger,
        RouteCatalog routes, TimeProvider clock, CancellationToken ct)
    {
        for (var attempt = 0; attempt < ShipmentCommands.MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadAsync(shipmentId, fresh: true, ct);
            if (shipment is null)
            {
                return Problems.From(ShipmentRefusals.NotFound(shipmentId));
            }

            var decision = ShipmentDecider.Release(shipment, request.Reason, http.User.DeviceId(), clock.GetUtcNow());
            if (decision.Refusal is { } refusal)
            {
                return Problems.From(refusal);
            }

            var appended = await ledger.ReleaseAsync(shipment, (DeliveryReleased)decision.Events.Single(), ct);
            if (appended.Outcome == AppendOutcome.Appended)
            {
                return TypedResults.Ok(ShipmentView.From(appended.State!, routes.Get(appended.State!.RouteId), clock.GetUtcNow()));
            }
        }

        return Problems.From(ShipmentRefusals.Busy());
    }
}
