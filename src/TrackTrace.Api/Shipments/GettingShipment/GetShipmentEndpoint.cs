using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.GettingShipment;

public sealed record CurrentLeg(int Number, string Name);

/// <summary>A leg a check-in may complete next, with its window: due at the latest, not before earliest.</summary>
public sealed record NextLegView(
    int Number, string StationType, string Name, bool Optional, DateTimeOffset? Due, bool Overdue, DateTimeOffset? Earliest)
{
    public static NextLegView From(LegDue leg) => new(leg.Leg.Number, leg.Leg.StationType, leg.Leg.Name, leg.Leg.Optional,
        leg.DueAt, leg.Overdue, leg.EarliestAt);
}

public sealed record ShipmentView(
    string ShipmentId,
    string Route,
    string? Description,
    ShipmentStatus Status,
    CurrentLeg CurrentLeg,
    int LegCount,
    IReadOnlyList<string> ExpectedStationTypes,
    IReadOnlyList<NextLegView> NextExpected,
    IReadOnlyDictionary<string, string> Attributes,
    int AnomalyCount,
    bool Breached,
    IReadOnlyList<string> Sensors,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? LastCheckInAt,
    string? LastStationId,
    long Version,
    bool Overdue,
    DateTimeOffset? OverdueSince,
    DateTimeOffset? Eta)
{
    /// <param name="now">The service's clock: whether a due time has passed depends on it.</param>
    public static ShipmentView From(Shipment s, RouteWorkflow workflow, DateTimeOffset now)
    {
        var schedule = ShipmentSchedule.For(s, workflow, now);
        var next = schedule.Next;
        return new ShipmentView(s.Id, s.RouteId, s.Description, s.Status,
            new CurrentLeg(s.Progress, ShipmentDecider.CurrentLegName(s, workflow)), workflow.Route.Legs.Count,
            next.Select(l => l.Leg.StationType).Distinct().ToArray(), next.Select(NextLegView.From).ToArray(), s.Attributes,
            s.AnomalyCount, s.Breached, s.Sensors, s.RegisteredAt, s.LastCheckInAt, s.LastStationId, s.Version,
            schedule.Overdue, schedule.Overdue ? schedule.Watched!.DueAt : null, schedule.Eta);
    }
}

/// <summary>GET /api/shipments/{id}: where a shipment stands now.</summary>
public static class GetShipmentEndpoint
{
    public static void MapGetShipment(this RouteGroupBuilder shipment) =>
        shipment.MapGet("", Handle).RequireAuthorization(Roles.Staff)
            .WithSummary("Status, current leg, the legs expected next with their due times, overdue, ETA, attributes, version (staff)");

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Handle(
        string shipmentId, IQuerySession query, RouteCatalog routes, TimeProvider clock, CancellationToken ct)
    {
        var shipment = await query.LoadAsync<Shipment>(shipmentId, ct);
        return shipment is null
            ? Problems.NotFound("Shipment", shipmentId)
            : TypedResults.Ok(ShipmentView.From(shipment, routes.Get(shipment.RouteId), clock.GetUtcNow()));
    }
}
