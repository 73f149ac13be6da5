using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TrackTrace.Domain.Decisions;

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
    public static ProblemHttpResult Invalid(IReadOnlyDictionary<string, string[]> errors) => From(Refusal.Invalid(errors));

    /// <summary>The one mapping from a rule's refusal to its HTTP answer.</summary>
    public static ProblemHttpResult From(Refusal refusal) =>
        Result(Status(refusal.Kind), refusal.Code, refusal.Title, refusal.Detail, Extensions(refusal));

    public static ProblemDetails Details(Refusal refusal) =>
        Details(Status(refusal.Kind), refusal.Code, refusal.Title, refusal.Detail, Extensions(refusal));

    public static int Status(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => StatusCodes.Status400BadRequest,
        RefusalKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.Conflict => StatusCodes.Status409Conflict,
        RefusalKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a refusal kind"),
    };

    private static Dictionary<string, object?>? Extensions(Refusal refusal)
    {
        if (refusal.Errors is null && refusal.Facts is null)
        {
            return null;
        }

        var extensions = new Dictionary<string, object?>(refusal.Facts ?? new Dictionary<string, object?>());
        if (refusal.Errors is not null)
        {
            extensions["errors"] = refusal.Errors;
        }

        return extensions;
    }

    /// <summary>
    /// A body that is not the JSON expected: 400 naming the field from the reader's path
    /// (<c>$.readings[3].at</c> becomes <c>readings[3].at</c>), or the whole body.
    /// </summary>
    public static ProblemHttpResult UnreadableBody(Exception exception)
    {
        var json = exception as JsonException ?? exception.InnerException as JsonException;
        var field = json?.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        var why = json is null ? exception.Message : UnwrapMessage(json);
        return Invalid(new Dictionary<string, string[]> { [field] = [why + "; send a JSON body as described at /swagger"] });
    }

    // A converter's own message says what is accepted; System.Text.Json's adds the path and position to it.
    private static string UnwrapMessage(JsonException json) =>
        json.InnerException is FormatException or InvalidOperationException && json.InnerException.Message.Length > 0
            ? json.InnerException.Message
            : json.Message.Split(" Path: ")[0];

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
            case BadHttpRequestException { InnerException: JsonException json }:
                await Problems.UnreadableBody(json).ExecuteAsync(context);
                return true;
            case BadHttpRequestException bad:
                await Problems.Write(context, bad.StatusCode, "invalid-request", "The request could not be read",
                    bad.Message + " Send a JSON body as described at /swagger.");
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
