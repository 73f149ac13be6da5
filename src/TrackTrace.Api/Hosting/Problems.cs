using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace TrackTrace.Api.Hosting;

/// <summary>
/// Every refusal is an RFC 7807 problem+json with a stable type
/// (<c>https://tracktrace.dev/problems/{slug}</c>), a human detail and, where it helps, what the
/// caller can do next.
/// </summary>
public static class Problems
{
    public const string TypeBase = "https://tracktrace.dev/problems/";

    public static ProblemHttpResult Result(
        int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, null, status, title, TypeBase + slug, extensions);

    public static ProblemHttpResult NotFound(string what, string id) =>
        Result(StatusCodes.Status404NotFound, "not-found", $"{what} not found", $"No {what.ToLowerInvariant()} '{id}'.");

    /// <summary>400 naming each field that is wrong and what is accepted.</summary>
    public static ProblemHttpResult Invalid(IDictionary<string, string[]> errors) =>
        Result(StatusCodes.Status400BadRequest, "invalid-request", "The request is not valid",
            string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join("; ", e.Value)}.")),
            new Dictionary<string, object?> { ["errors"] = errors });

    public static Task Write(
        HttpContext context, int status, string slug, string title, string detail,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = Details(status, slug, title, detail, extensions);
        problem.Instance = context.Request.Path;
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(problem, (JsonSerializerOptions?)null, "application/problem+json");
    }

    /// <summary>The problem body itself, for answers that are stored before they are sent (scan receipts).</summary>
    public static ProblemDetails Details(
        int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = TypeBase + slug, Title = title, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }
}

/// <summary>Maps what escapes an endpoint to problem+json; nothing reaches a caller as a bare 500 page.</summary>
public sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                var why = bad.InnerException is JsonException json ? $"malformed JSON: {json.Message}" : bad.Message;
                await Problems.Write(context, bad.StatusCode, "invalid-request", "The request could not be read",
                    why + " Send a JSON body as described at /swagger.");
                return true;
            case JasperFx.ConcurrencyException:
                await Problems.Write(context, StatusCodes.Status409Conflict, "concurrent-change",
                    "Changed by another request", "The resource changed while this request was handled; retry it.");
                return true;
            case Exception when IsDatabaseUnreachable(exception):
                logger.LogWarning("PostgreSQL unreachable on {Method} {Path}: {Error}", context.Request.Method,
                    context.Request.Path, exception.Message);
                context.Response.Headers.RetryAfter = "5";
                await Problems.Write(context, StatusCodes.Status503ServiceUnavailable, "database-unavailable",
                    "Storage unavailable", "PostgreSQL does not answer, so nothing can be checked or stored now. Retry shortly.");
                return true;
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return true;
            default:
                logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                await Problems.Write(context, StatusCodes.Status500InternalServerError, "internal-error",
                    "Internal error", "The request failed on the server and was logged; it is safe to retry.");
                return true;
        }
    }

    private static bool IsDatabaseUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.NpgsqlException { IsTransient: true } or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
