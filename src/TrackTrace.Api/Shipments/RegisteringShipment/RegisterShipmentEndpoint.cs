using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments.GettingShipment;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.RegisteringShipment;

public sealed record RegisterShipmentRequest(string? ShipmentId, string? Route, string? Description);

/// <summary>POST /api/shipments: a shipment starts its stream on a route template.</summary>
public static class RegisterShipmentEndpoint
{
    public static void MapRegisterShipment(this RouteGroupBuilder shipments) =>
        shipments.MapPost("/", Handle).RequireAuthorization(Roles.Admin)
            .WithSummary("Register a shipment on a route (admin)");

    private static async Task<Results<Created<ShipmentView>, ProblemHttpResult>> Handle(
        RegisterShipmentRequest request, HttpContext http, ShipmentStreams streams, RouteCatalog routes,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!ShipmentId.IsValid(request.ShipmentId, out var idProblem))
        {
            errors["shipmentId"] = [idProblem!];
        }

        RouteWorkflow? workflow = null;
        if (request.Route is null || !routes.TryGet(request.Route, out workflow))
        {
            errors["route"] = [$"required: one of {string.Join(", ", routes.Routes.Select(r => r.Id).Order())}"];
        }

        if (request.Description is { Length: > 500 })
        {
            errors["description"] = ["at most 500 characters"];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var registered = ShipmentDecider.Register(new RegisterShipment(request.ShipmentId!, request.Route!,
            request.Description?.Trim(), http.User.DeviceId(), clock.GetUtcNow()));
        if (!await streams.StartAsync(registered, ct))
        {
            return Problems.Result(StatusCodes.Status409Conflict, "shipment-exists", "Shipment already registered",
                $"shipmentId: '{request.ShipmentId}' is already registered; see GET /api/shipments/{request.ShipmentId}.");
        }

        return TypedResults.Created($"/api/shipments/{registered.ShipmentId}",
            ShipmentView.From(Shipment.Create(registered), workflow!, clock.GetUtcNow()));
    }
}
