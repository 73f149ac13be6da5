using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Store;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Stations;

/// <param name="Latitude">With <paramref name="Longitude"/>: where the station is, for the impossible-travel rule.</param>
/// <param name="AllowedNetworks">CIDRs its scanners connect from; a scanner seen elsewhere raises an alert.</param>
public sealed record RegisterStationRequest(
    string? StationId, string? Type, string? Name, string? Gln, double? Latitude = null, double? Longitude = null,
    IReadOnlyList<string>? AllowedNetworks = null);

public sealed record StationView(
    string StationId, string Type, string Name, string? Gln, string RegisteredBy, DateTimeOffset RegisteredAt,
    double? Latitude, double? Longitude, IReadOnlyList<string> AllowedNetworks)
{
    public static StationView From(Station s) => new(s.StationId, s.Type, s.Name, s.Gln, s.RegisteredBy, s.RegisteredAt,
        s.Position?.Latitude, s.Position?.Longitude, s.AllowedNetworks);
}

public static class StationEndpoints
{
    public static void MapStations(this RouteGroupBuilder api)
    {
        var stations = api.MapGroup("/stations").WithTags("Stations");
        stations.MapPost("/", Register).RequireAuthorization(Roles.Admin)
            .WithSummary("Register a station: a place of a known station type (admin)");
        stations.MapGet("/", List).RequireAuthorization(Roles.Staff).WithSummary("List stations (staff)");
    }

    private static async Task<Results<Created<StationView>, ProblemHttpResult>> Register(
        RegisterStationRequest request, HttpContext http, RouteCatalog routes, IDocumentStore store,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.StationId is null || !Station.IdPattern().IsMatch(request.StationId))
        {
            errors["stationId"] = [$"required: {Station.IdRule}"];
        }

        if (request.Type is null || !routes.IsKnownStationType(request.Type))
        {
            errors["type"] = [$"required: one of {string.Join(", ", routes.StationTypes.Select(t => t.Id))}"];
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors["name"] = ["required: 1-200 characters"];
        }

        if (request.Gln is not null && !Station.IsValidGln(request.Gln))
        {
            errors["gln"] = ["a GS1 GLN: 13 digits with a valid check digit"];
        }

        foreach (var (field, problems) in GeoPosition.Problems(request.Latitude, request.Longitude))
        {
            errors[field] = problems;
        }

        if (IpNetworks.Problems(request.AllowedNetworks) is { Count: > 0 } networkProblems)
        {
            errors["allowedNetworks"] = [.. networkProblems];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var registered = new StationRegistered(request.StationId!, request.Type!, request.Name!.Trim(), request.Gln,
            http.User.DeviceId(), clock.GetUtcNow(), GeoPosition.From(request.Latitude, request.Longitude),
            IpNetworks.Normalize(request.AllowedNetworks));
        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<Station>(Station.StreamKey(registered.StationId), registered);
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            return Problems.Result(StatusCodes.Status409Conflict, "station-exists", "Station already registered",
                $"Station '{request.StationId}' exists.");
        }

        return TypedResults.Created($"/api/stations/{registered.StationId}", StationView.From(Station.Registered(registered)));
    }

    private static async Task<Ok<StationView[]>> List(IQuerySession query, string? type, CancellationToken ct)
    {
        IQueryable<Station> stations = query.Query<Station>();
        if (type is not null)
        {
            stations = stations.Where(s => s.Type == type);
        }

        var found = await stations.OrderBy(s => s.StationId).Take(5000).ToListAsync(ct);
        return TypedResults.Ok(found.Select(StationView.From).ToArray());
    }
}
