using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using TrackTrace.Api.Hosting;

namespace TrackTrace.Api.Security;

/// <summary>
/// Endpoint metadata: the media types a state change on this endpoint accepts, instead of the default
/// <c>application/json</c> (e.g. EST's <c>application/pkcs10</c>, EPCIS's <c>application/ld+json</c>).
/// Never list a type a browser form can send (<c>application/x-www-form-urlencoded</c>,
/// <c>multipart/form-data</c>, <c>text/plain</c>): that would reopen the door <see cref="StateChangeGuard"/> shuts.
/// </summary>
public sealed class AcceptedContentTypes(IReadOnlyList<string> mediaTypes)
{
    public static readonly AcceptedContentTypes Json = new(["application/json"]);

    public IReadOnlyList<string> MediaTypes { get; } = mediaTypes;
}

public static class AcceptedContentTypesExtensions
{
    /// <summary>This endpoint's state changes accept exactly these media types (replacing application/json).</summary>
    public static TBuilder AcceptsContentTypes<TBuilder>(this TBuilder builder, params string[] mediaTypes)
        where TBuilder : IEndpointConventionBuilder
    {
        if (mediaTypes.Length == 0 || mediaTypes.Any(m => !MediaTypeHeaderValue.TryParse(m, out var parsed) ||
                                                          parsed.Parameters.Count > 0 || parsed.MatchesAllTypes || parsed.MatchesAllSubTypes))
        {
            throw new ArgumentException("name one or more media types without parameters or wildcards", nameof(mediaTypes));
        }

        return builder.WithMetadata(new AcceptedContentTypes(mediaTypes));
    }
}

/// <summary>
/// Cross-site request forgery stops here, once for every endpoint. A staff or admin browser holds a
/// client certificate, so any page it opens can make it send requests with that certificate. What
/// such a page can send without a CORS preflight (which this service never grants) is limited: GET,
/// HEAD or POST, with no body or one of the form types (urlencoded, multipart, text/plain), and no
/// custom headers; and every current browser says where a POST, PUT, PATCH or DELETE came from
/// (<c>Origin</c>, <c>Sec-Fetch-Site</c>). So every request that may change state (any method but
/// GET, HEAD, OPTIONS and TRACE) is refused:
/// <list type="bullet">
/// <item>with 403 <c>cross-origin-request</c> when the browser says it came from elsewhere: an
/// <c>Origin</c> other than this request's own scheme, host and port (<c>null</c> included), or a
/// <c>Sec-Fetch-Site</c> other than <c>same-origin</c> or <c>none</c>;</item>
/// <item>with 415 <c>unsupported-content-type</c> when it carries a body or a Content-Type that is
/// not one the endpoint accepts (<see cref="AcceptedContentTypes"/>, by default <c>application/json</c>,
/// with an optional <c>charset=utf-8</c>).</item>
/// </list>
/// A request with neither a body nor a Content-Type (DELETE of a sensor, a resume with nothing to
/// say) passes the type check: a browser form always sends a Content-Type, and a body-less fetch from
/// another page carries its Origin. It runs after authentication and authorization, so a device that
/// may not act at all is refused as such first.
/// </summary>
public static class StateChangeGuard
{
    private const string Utf8 = "utf-8";

    public static async Task Middleware(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) ||
            HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            await next();
            return;
        }

        var foreign = ForeignOrigin(request);
        var accepted = context.GetEndpoint()?.Metadata.GetMetadata<AcceptedContentTypes>() ?? AcceptedContentTypes.Json;
        var wrongType = foreign is null && !HasAcceptedType(context, accepted);
        if (foreign is null && !wrongType)
        {
            await next();
            return;
        }

        // Where authentication left the device check to the write, this answer writes nothing: ask the store first.
        if (context.Features.Get<DeviceWriteGuard>() is { } guard)
        {
            var gate = context.RequestServices.GetRequiredService<DeviceGate>();
            var (_, rejected) = await gate.ConfirmAsync(guard, context.Connection.ClientCertificate?.Subject ?? "", context.RequestAborted);
            if (rejected is not null)
            {
                await rejected.ExecuteAsync(context);
                return;
            }
        }

        if (foreign is not null)
        {
            await Problems.Write(context, StatusCodes.Status403Forbidden, "cross-origin-request", "Cross-origin request refused",
                $"{request.Method} {request.Path} changes state and is accepted only from this service's own pages " +
                $"({OwnOrigin(request)}); the browser says this request came from {foreign}. Nothing was changed.");
            return;
        }

        await Problems.Write(context, StatusCodes.Status415UnsupportedMediaType, "unsupported-content-type",
            "Unsupported content type",
            $"{request.Method} {request.Path} accepts a body of type {string.Join(" or ", accepted.MediaTypes)} " +
            $"(charset utf-8 if one is given); got {(request.ContentType is { Length: > 0 } type ? $"'{type}'" : "a body without a Content-Type")}. Nothing was changed.",
            new Dictionary<string, object?> { ["acceptedContentTypes"] = accepted.MediaTypes });
    }

    /// <summary>What the browser says about a foreign origin, or null when it says nothing foreign.</summary>
    private static string? ForeignOrigin(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite != "same-origin" && fetchSite != "none")
        {
            return $"another site (Sec-Fetch-Site: {fetchSite})";
        }

        var origins = request.Headers.Origin;
        if (origins.Count == 0)
        {
            return null;
        }

        return origins.Count == 1 && IsOwn(origins[0], request) ? null : $"'{origins}' (Origin)";
    }

    private static bool IsOwn(string? origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from) || from.PathAndQuery != "/" || from.UserInfo.Length > 0)
        {
            return false;
        }

        var ownPort = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        return string.Equals(from.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase) &&
               string.Equals(from.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase) &&
               from.Port == ownPort;
    }

    private static string OwnOrigin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static bool HasAcceptedType(HttpContext context, AcceptedContentTypes accepted)
    {
        var contentType = context.Request.ContentType;
        if (string.IsNullOrEmpty(contentType))
        {
            var body = context.Features.Get<IHttpRequestBodyDetectionFeature>();
            return !(body?.CanHaveBody ?? context.Request.ContentLength > 0);
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) ||
            !accepted.MediaTypes.Any(m => string.Equals(m, parsed.MediaType.Value, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        // Only a charset may qualify the type, and JSON is UTF-8 (RFC 8259). Unquoted: the JSON reader
        // behind the endpoints fails on charset="utf-8" with a 500.
        return parsed.Parameters.All(p =>
            p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase) &&
            p.Value.Equals(Utf8, StringComparison.OrdinalIgnoreCase));
    }
}
