using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace TrackTrace.Domain.Routes;

/// <summary>
/// The route templates and station types of <c>workflows/</c>, validated and turned into state
/// machines once, at start-up. Immutable afterwards, so safe to share.
/// </summary>
public sealed class RouteCatalog
{
    private readonly FrozenDictionary<string, RouteWorkflow> _workflows;
    private readonly FrozenSet<string> _stationTypeIds;

    private RouteCatalog(IReadOnlyList<StationType> stationTypes, IReadOnlyList<Route> routes)
    {
        StationTypes = stationTypes;
        Routes = routes;
        _stationTypeIds = stationTypes.Select(type => type.Id).ToFrozenSet(StringComparer.Ordinal);
        _workflows = routes.ToFrozenDictionary(route => route.Id, route => new RouteWorkflow(route), StringComparer.Ordinal);
    }

    /// <summary>Every route, in file-name order.</summary>
    public IReadOnlyCollection<Route> Routes { get; }

    /// <summary>Every station type, in the order of <c>station-types.yaml</c>.</summary>
    public IReadOnlyCollection<StationType> StationTypes { get; }

    public bool TryGet(string id, [MaybeNullWhen(false)] out RouteWorkflow workflow) =>
        _workflows.TryGetValue(id, out workflow);

    /// <summary>The workflow of a route a stored shipment refers to; routes are never removed while in use.</summary>
    public RouteWorkflow Get(string id) => _workflows.TryGetValue(id, out var workflow)
        ? workflow
        : throw new KeyNotFoundException($"route '{id}' is not in workflows/; shipments on it cannot be judged");

    public bool IsKnownStationType(string stationType) => _stationTypeIds.Contains(stationType);

    /// <summary>
    /// Loads <c>station-types.yaml</c> and every other <c>*.yaml</c>/<c>*.yml</c> in
    /// <paramref name="workflowsDirectory"/>.
    /// </summary>
    /// <exception cref="RouteDefinitionException">Anything is wrong; every problem found is listed.</exception>
    public static RouteCatalog Load(string workflowsDirectory)
    {
        var directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workflowsDirectory));
        var shownDirectory = Path.GetFileName(directory);
        string Shown(string fileName) => $"{shownDirectory}/{fileName}";

        if (!Directory.Exists(directory))
        {
            throw new RouteDefinitionException([new(directory, "(directory)", "not found: it should hold station-types.yaml and the route templates")]);
        }

        var problems = new List<RouteDefinitionProblem>();

        // Every leg names a station type, so nothing else can be judged without them.
        var stationTypesPath = Path.Combine(directory, StationTypesFile.FileName);
        if (!File.Exists(stationTypesPath))
        {
            throw new RouteDefinitionException([new(Shown(StationTypesFile.FileName), "(file)", "not found: it lists the station types legs may name")]);
        }

        var stationTypes = StationTypesFile.Read(WorkflowDocument.Load(stationTypesPath, Shown(StationTypesFile.FileName), problems));
        if (problems.Count > 0)
        {
            throw new RouteDefinitionException(problems);
        }

        var routeFiles = Directory.EnumerateFiles(directory)
            .Where(path => Path.GetExtension(path) is ".yaml" or ".yml")
            .Where(path => !string.Equals(Path.GetFileNameWithoutExtension(path), Path.GetFileNameWithoutExtension(StationTypesFile.FileName), StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (routeFiles.Count == 0)
        {
            throw new RouteDefinitionException([new(shownDirectory, "(directory)", "no route templates (*.yaml) found")]);
        }

        var routes = new List<Route>();
        var definedIn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in routeFiles)
        {
            var shown = Shown(Path.GetFileName(path));
            var document = WorkflowDocument.Load(path, shown, problems);
            if (RouteTemplateFile.Read(document, Path.GetFileNameWithoutExtension(path), stationTypes) is not { } route)
            {
                continue;
            }

            if (definedIn.TryGetValue(route.Id, out var other))
            {
                document.Report("id", $"duplicate route id '{route.Id}': {other} defines it already", document.Root is { } root ? WorkflowDocument.Find(root, "id") : null);
                continue;
            }

            definedIn[route.Id] = shown;
            routes.Add(route);
        }

        if (problems.Count > 0)
        {
            throw new RouteDefinitionException(problems);
        }

        return new RouteCatalog(stationTypes.AsReadOnly(), routes.AsReadOnly());
    }
}
