using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments.GettingShipment;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.ListingShipments;

public sealed record ShipmentPage(IReadOnlyList<ShipmentView> Items, int Page, int PageSize, long Total);

/// <summary>
/// GET /api/shipments: the staff list, filtered and paged: shipments recorded overdue first (longest
/// overdue first), then newest activity first.
/// </summary>
public static class ListShipmentsEndpoint
{

    public static void MapListShipments(this RouteGroupBuilder shipments) =>
        shipments.MapGet("/", Handle).RequireAuthorization(Roles.Staff)
            .WithSummary("Shipments for staff, overdue first: ?status=&route=&anomalies=true&breached=&overdue=&q=&page=&pageSize= (staff)");

    private static async Task<Results<Ok<ShipmentPage>, ProblemHttpResult>> Handle(
        IQuerySession query, RouteCatalog routes, TimeProvider clock, string? status, string? route, bool? anomalies, bool? breached,
        bool? overdue, string? q, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        ShipmentStatus? wanted = null;
        if (status is not null)
        {
            if (WireJson.TryParse<ShipmentStatus>(status, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors["status"] = [$"one of {string.Join(", ", WireJson.Names<ShipmentStatus>())}"];
            }
        }

        if (route is not null && !routes.TryGet(route, out _))
        {
            errors["route"] = [$"one of {string.Join(", ", routes.Routes.Select(r => r.Id).Order())}"];
        }

        var paging = Paging.Read(page, pageSize, 200, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        // Two parts, each read in the order of its own index, so a page costs its rows, not the table:
        // the shipments recorded overdue (longest overdue first), then the rest (newest activity first).
        var now = clock.GetUtcNow();
        IQueryable<Shipment> Matching()
        {
            IQueryable<Shipment> shipments = query.Query<Shipment>();
            if (wanted is { } w)
            {
                shipments = shipments.Where(s => s.Status == w);
            }

            if (route is not null)
            {
                shipments = shipments.Where(s => s.RouteId == route);
            }

            if (anomalies == true)
            {
                shipments = shipments.Where(s => s.AnomalyCount > 0);
            }

            if (breached is { } b)
            {
                shipments = shipments.Where(s => s.Breached == b);
            }

            if (!string.IsNullOrWhiteSpace(q))
            {
                var term = q.Trim();
                shipments = shipments.Where(s => s.Id.Contains(term) || (s.Description != null && s.Description.Contains(term, StringComparison.OrdinalIgnoreCase)));
            }

            return shipments;
        }

        // Overdue: recorded so by the monitor, or past its due time and about to be (within one interval).
        var recordedOverdue = Matching().Where(s => s.OverdueSince != null);
        var rest = Matching().Where(s => s.OverdueSince == null);
        if (overdue == true)
        {
            rest = rest.Where(s => s.NextDueAt < now);
        }
        else if (overdue == false)
        {
            rest = rest.Where(s => s.NextDueAt == null || s.NextDueAt >= now);
        }

        var overdueTotal = overdue == false ? 0 : await recordedOverdue.CountAsync(ct);
        var restTotal = await rest.CountAsync(ct);
        var found = new List<Shipment>(paging.Size);
        if (paging.Skip < overdueTotal)
        {
            found.AddRange(await recordedOverdue.OrderBy(s => s.OverdueSince).ThenByDescending(s => s.UpdatedAt).ThenBy(s => s.Id)
                .Skip(paging.Skip).Take(paging.Size).ToListAsync(ct));
        }

        var restSkip = Math.Max(0, paging.Skip - overdueTotal);
        if (found.Count < paging.Size && restSkip < restTotal)
        {
            found.AddRange(await rest.OrderByDescending(s => s.UpdatedAt).ThenBy(s => s.Id)
                .Skip(restSkip).Take(paging.Size - found.Count).ToListAsync(ct));
        }

        var items = found.Select(s => ShipmentView.From(s, routes.Get(s.RouteId), now)).ToArray();
        return TypedResults.Ok(new ShipmentPage(items, paging.Page, paging.Size, overdueTotal + restTotal));
    }
}
