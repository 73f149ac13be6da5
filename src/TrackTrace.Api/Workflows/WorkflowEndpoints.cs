using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Routes;
using Route = TrackTrace.Domain.Routes.Route;

namespace TrackTrace.Api.Workflows;

public sealed record LegView(int Number, string StationType, string Name, bool Optional, IReadOnlyList<string> Stations);

public sealed record ColdChainProfileView(
    double MinCelsius, double MaxCelsius, double AllowanceMinutes, double? HardMinCelsius, double? HardMaxCelsius);

public sealed record WorkflowView(string Id, string Name, string? Description, IReadOnlyList<LegView> Legs, ColdChainProfileView? ColdChain)
{
    public static WorkflowView From(Route r) => new(r.Id, r.Name, r.Description,
        r.Legs.Select(l => new LegView(l.Number, l.StationType, l.Name, l.Optional, l.Stations)).ToArray(),
        r.ColdChain is { } c
            ? new ColdChainProfileView(c.MinCelsius, c.MaxCelsius, c.Allowance.TotalMinutes, c.HardMinCelsius, c.HardMaxCelsius)
            : null);
}

public static class WorkflowEndpoints
{
    public static void MapWorkflows(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows").WithTags("Workflows").RequireAuthorization(Roles.Staff);
        workflows.MapGet("/", (RouteCatalog routes) =>
                TypedResults.Ok(routes.Routes.OrderBy(r => r.Id).Select(WorkflowView.From).ToArray()))
            .WithSummary("The route templates loaded from workflows/ (staff)");
        workflows.MapGet("/{id}", Get).WithSummary("One route template (staff)");
        workflows.MapGet("/{id}/diagram", Diagram)
            .WithSummary("The route's state machine as Mermaid text (staff)");
    }

    private static Results<Ok<WorkflowView>, ProblemHttpResult> Get(string id, RouteCatalog routes) =>
        routes.TryGet(id, out var workflow) ? TypedResults.Ok(WorkflowView.From(workflow.Route)) : Problems.NotFound("Workflow", id);

    private static Results<ContentHttpResult, ProblemHttpResult> Diagram(string id, RouteCatalog routes) =>
        routes.TryGet(id, out var workflow)
            ? TypedResults.Text(workflow.MermaidDiagram(), "text/vnd.mermaid; charset=utf-8")
            : Problems.NotFound("Workflow", id);
}
