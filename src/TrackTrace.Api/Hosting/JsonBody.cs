using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace TrackTrace.Api.Hosting;

/// <summary>
/// Reads a JSON request body for endpoints that must answer a bad body themselves (the scan, whose
/// device check rides in its write: a refusal there must still ask the attribute store first).
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpContext http, CancellationToken ct)
        where T : class
    {
        try
        {
            var value = await http.Request.ReadFromJsonAsync<T>(ct);
            return value is null
                ? (null, Problems.Invalid(new Dictionary<string, string[]> { ["body"] = ["required: a JSON object as described at /swagger"] }))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.UnreadableBody(ex));
        }
        catch (InvalidOperationException ex) when (!http.Request.HasJsonContentType())
        {
            return (null, Problems.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type",
                "Unsupported media type", $"Content-Type '{http.Request.ContentType}' is not accepted; send application/json. ({ex.Message})"));
        }
    }
}
