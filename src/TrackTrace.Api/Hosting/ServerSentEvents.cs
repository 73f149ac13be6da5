using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace TrackTrace.Api.Hosting;

/// <summary>The wire of the service's server-sent event streams (alerts, a device's changes): headers, unbuffered writes.</summary>
public static class ServerSentEvents
{
    /// <summary>Sets the response up as an event stream that no proxy buffers or caches.</summary>
    public static void Begin(HttpContext http)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Writes one or more complete event lines and sends them at once.</summary>
    public static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await response.Body.FlushAsync(ct);
    }
}
