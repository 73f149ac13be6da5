using Marten;
using Marten.Linq;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Alerts;

namespace TrackTrace.Api.Alerts;

public sealed record AcknowledgeRequest(string? Note);

public sealed record AlertPage(IReadOnlyList<Alert> Items, int Page, int PageSize, long Total);

public static class AlertEndpoints
{
    public static void MapAlerts(this RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts").RequireAuthorization(Roles.Staff);
        alerts.MapGet("/", List)
            .WithSummary("Alerts, newest first: ?shipmentId=&deviceId=&type=&since=&acknowledged=&page=&pageSize= (staff)");
        alerts.MapAlertStream();
        alerts.MapGet("/{alertId}", Get).WithSummary("One alert (staff)");
        alerts.MapPost("/{alertId}/ack", Acknowledge).WithSummary("Acknowledge an alert; who and when are kept (staff)");
    }

    private static async Task<Results<Ok<AlertPage>, ProblemHttpResult>> List(
        IQuerySession query, string? shipmentId, string? deviceId, string? type, DateTimeOffset? since, bool? acknowledged, int? page,
        int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (type is not null && !AlertTypes.All.Contains(type))
        {
            errors["type"] = [$"one of {string.Join(", ", AlertTypes.All)}"];
        }

        var paging = Paging.Read(page, pageSize, 500, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        IQueryable<Alert> alerts = query.Query<Alert>().Stats(out QueryStatistics stats);
        if (shipmentId is not null)
        {
            alerts = alerts.Where(a => a.ShipmentId == shipmentId);
        }

        if (deviceId is not null)
        {
            alerts = alerts.Where(a => a.DeviceId == deviceId);
        }

        if (type is not null)
        {
            alerts = alerts.Where(a => a.Type == type);
        }

        if (since is { } from)
        {
            alerts = alerts.Where(a => a.RaisedAt >= from);
        }

        if (acknowledged is { } ack)
        {
            alerts = alerts.Where(a => a.Acknowledged == ack);
        }

        var found = await alerts.OrderByDescending(a => a.RaisedAt).Skip(paging.Skip).Take(paging.Size).ToListAsync(ct);
        return TypedResults.Ok(new AlertPage(found, paging.Page, paging.Size, stats.TotalResults));
    }

    private static async Task<Results<Ok<Alert>, ProblemHttpResult>> Get(string alertId, IQuerySession query, CancellationToken ct) =>
        await query.LoadAsync<Alert>(alertId, ct) is { } alert ? TypedResults.Ok(alert) : Problems.NotFound("Alert", alertId);

    private static async Task<Results<Ok<Alert>, ProblemHttpResult>> Acknowledge(
        string alertId, AcknowledgeRequest? request, HttpContext http, IDocumentStore store, TimeProvider clock,
        CancellationToken ct)
    {
        if (request?.Note is { Length: > 500 })
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["note"] = ["at most 500 characters"] });
        }

        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<Alert>(alertId, ct);
        if (stream.Aggregate is not { } alert)
        {
            return Problems.NotFound("Alert", alertId);
        }

        if (alert.Acknowledged)
        {
            return TypedResults.Ok(alert);
        }

        var acknowledged = new AlertAcknowledged(alertId, http.User.DeviceId(), request?.Note, clock.GetUtcNow());
        stream.AppendOne(acknowledged);
        await session.SaveChangesAsync(ct);
        return TypedResults.Ok(alert.Acknowledge(acknowledged));
    }
}
