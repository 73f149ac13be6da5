using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.Api.Epcis.Querying;

/// <summary>
/// GET /epcis/events and the resources that are /events with one filter fixed by the path
/// (/epcs/{epc}/events, /bizLocations/{location}/events, ...). Answers an EPCISQueryDocument; more
/// results are behind <c>Link: &lt;...&gt;; rel="next"</c>. Staff and admins read everything; a
/// partner reads what it captured and what happened at the stations it serves.
/// </summary>
public static class QueryEndpoints
{
    private static readonly (string Path, string Parameter, string Summary)[] FixedFilters =
    [
        ("/epcs/{value}/events", "MATCH_anyEPC", "Events naming an EPC anywhere (epcList, childEPCs, parentID, inputs, outputs)"),
        ("/bizLocations/{value}/events", "EQ_bizLocation", "Events at a business location (an SGLN, its Digital Link, or a 13-digit GLN)"),
        ("/readPoints/{value}/events", "EQ_readPoint", "Events at a read point"),
        ("/bizSteps/{value}/events", "EQ_bizStep", "Events of a business step"),
        ("/dispositions/{value}/events", "EQ_disposition", "Events with a disposition"),
        ("/eventTypes/{value}/events", "eventType", "Events of one type"),
    ];

    public static void MapQueries(this RouteGroupBuilder epcis)
    {
        epcis.MapGet("/events", (HttpContext http, EventSearch search, PartnerScopes scopes, IOptions<EpcisOptions> options, TimeProvider clock, CancellationToken ct) =>
                AnswerAsync(http, search, scopes, options.Value, clock, null, ct))
            .RequireAuthorization(Roles.EpcisQuery)
            .WithSummary("Query events (EPCIS SimpleEventQuery parameters); an EPCISQueryDocument, paged (staff)");
        epcis.MapGet("/events/{eventId}", (HttpContext http, EventSearch search, PartnerScopes scopes, IOptions<EpcisOptions> options, TimeProvider clock, CancellationToken ct) =>
                AnswerAsync(http, search, scopes, options.Value, clock, ("EQ_eventID", 2), ct))
            .RequireAuthorization(Roles.EpcisQuery)
            .WithSummary("One event by its eventID (URL-encoded), with its error declaration if it has one (staff)");
        foreach (var (path, parameter, summary) in FixedFilters)
        {
            epcis.MapGet(path, (HttpContext http, EventSearch search, PartnerScopes scopes, IOptions<EpcisOptions> options, TimeProvider clock, CancellationToken ct) =>
                    AnswerAsync(http, search, scopes, options.Value, clock, (parameter, 2), ct))
                .RequireAuthorization(Roles.EpcisQuery)
                .WithSummary(summary + " (staff)");
        }

        epcis.MapGet("/eventTypes", () => Results.Json(new JsonObject
            {
                ["@context"] = new JsonArray(EpcisContext.Standard),
                ["type"] = "Collection",
                ["member"] = new JsonArray(EpcisRequest.EventTypes.Select(t => (JsonNode)t).ToArray()),
            }))
            .RequireAuthorization(Roles.EpcisQuery)
            .WithSummary("The event types this repository stores (staff)");
    }

    // fixedFilter: the parameter the path fixes and the path segment that holds its value.
    private static async Task<IResult> AnswerAsync(
        HttpContext http, EventSearch search, PartnerScopes scopes, EpcisOptions options, TimeProvider clock,
        (string Parameter, int Segment)? fixedFilter, CancellationToken ct)
    {
        var parameters = http.Request.Query.SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? ""))).ToList();
        if (fixedFilter is { } filter)
        {
            if (parameters.Any(p => p.Key == filter.Parameter))
            {
                return EpcisProblems.QueryParameters(new Dictionary<string, string[]>
                {
                    [filter.Parameter] = ["is given by the path already"],
                });
            }

            parameters.Add(KeyValuePair.Create(filter.Parameter, PathValue(http, filter.Segment, filter.Parameter)));
        }

        var query = EventQueryParser.Parse(parameters, options.MaxPerPage, out var errors);
        if (query is null)
        {
            return EpcisProblems.QueryParameters(errors);
        }

        if (http.User.IsInRole(Roles.Partner))
        {
            query = query with { Scope = await scopes.ForAsync(http.User.DeviceId(), ct) };
        }

        if (query.MaxEventCount is { } max && await search.CountAsync(query, max, ct) > max)
        {
            return EpcisProblems.Result(StatusCodes.Status413PayloadTooLarge, "epcis-query-too-large", "QueryTooLargeException",
                "Query too large", $"More than maxEventCount ({max}) events match: narrow the query or page through it without maxEventCount.");
        }

        var page = await search.FindAsync(query, ct);
        if (fixedFilter is ("EQ_eventID", _) && page.Events.Count == 0)
        {
            return EpcisProblems.NoSuchEvent(parameters.Last().Value);
        }

        if (page.Next is { } next)
        {
            var link = QueryHelpers.AddQueryString(
                $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{http.Request.Path}",
                http.Request.Query.Where(p => p.Key != "nextPageToken")
                    .SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v)))
                    .Append(KeyValuePair.Create("nextPageToken", (string?)next.Encode())));
            http.Response.Headers.Link = $"<{link}>; rel=\"next\"";
        }

        var document = QueryDocument.Compose(page.Events, clock.GetUtcNow());
        return Results.Text(document.ToJsonString(EpcisJson.Options), "application/json", System.Text.Encoding.UTF8);
    }

    /// <summary>
    /// A path segment decoded exactly once: identifiers are URL-encoded URIs (a Digital Link has
    /// slashes, an eventID may have '?'), and the router's value keeps %2F. A bare GLN is its location.
    /// </summary>
    private static string PathValue(HttpContext http, int segment, string parameter)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var path = raw.Split('?', 2)[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var value = segments.Length > segment ? Uri.UnescapeDataString(segments[segment]) : "";
        return parameter == "EQ_bizLocation" || parameter == "EQ_readPoint"
            ? EpcIdentifier.GlnToDigitalLink(value) ?? value
            : value;
    }
}
