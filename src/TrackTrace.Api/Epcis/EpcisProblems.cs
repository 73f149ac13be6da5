using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;

namespace TrackTrace.Api.Epcis;

/// <summary>
/// EPCIS refusals: our problem+json types, each with the name of the GS1 EPCIS exception it stands
/// for (<c>epcisException</c>, e.g. ValidationException) so EPCIS clients can map them.
/// </summary>
public static class EpcisProblems
{
    public static ProblemHttpResult Result(
        int status, string slug, string epcisException, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>())
        {
            ["epcisException"] = epcisException,
        };
        return Problems.Result(status, slug, title, detail, all);
    }

    public static ProblemHttpResult QueryParameters(IDictionary<string, string[]> errors) =>
        Result(StatusCodes.Status400BadRequest, "epcis-query-parameter", "QueryParameterException",
            "A query parameter is not valid",
            string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join("; ", e.Value)}.")),
            new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult NoSuchEvent(string eventId) =>
        Result(StatusCodes.Status404NotFound, "not-found", "NoSuchNameException", "Event not found", $"No event '{eventId}'.");
}
