using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.GettingShipment;

public sealed record CurrentLeg(int Number, string Name);

public sealed record ShipmentView(
    string ShipmentId,
    string Route,
    string? Description,
    ShipmentStatus Status,
    CurrentLeg CurrentLeg,
    int LegCount,
    IReadOnlyList<string> ExpectedStationTypes,
    IReadOnlyList<LegSummary> NextExpected,
    IReadOnlyDictionary<string, string> Attributes,
    int AnomalyCount,
    bool Breached,
    IReadOnlyList<string> Sensors,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? LastCheckInAt,
    string? LastStationId,
    long Version)
{
    public static ShipmentView From(Shipment s, RouteWorkflow workflow)
    {
        var next = s.Status == ShipmentStatus.Refused ? [] : workflow.ExpectedNext(s.Progress);
        return new ShipmentView(s.Id, s.RouteId, s.Description, s.Status,
            new CurrentLeg(s.Progress, ShipmentDecider.CurrentLegName(s, workflow)), workflow.Route.Legs.Count,
            next.Select(l => l.StationType).Distinct().ToArray(), next.Select(LegSummary.From).ToArray(), s.Attributes,
            s.AnomalyCount, s.Breached, s.Sensors, s.RegisteredAt, s.LastCheckInAt, s.LastStationId, s.Version);
    }
}

/// <summary>GET /api/shipments/{id}: where a shipment stands now.</summary>
public static class GetShipmentEndpoint
{
    public static void MapGetShipment(this RouteGroupBuilder shipment) =>
        shipment.MapGet("", Handle).RequireAuthorization(Roles.Staff)
            .WithSummary("Status, current leg, station types expected next, attributes, version (staff)");

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Handle(
        string shipmentId, IQuerySession query, RouteCatalog routes, CancellationToken ct)
    {
        var shipment = await query.LoadAsync<Shipment>(shipmentId, ct);
        return shipment is null
            ? Problems.NotFound("Shipment", shipmentId)
            : TypedResults.Ok(ShipmentView.From(shipment, routes.Get(shipment.RouteId)));
    }
}
