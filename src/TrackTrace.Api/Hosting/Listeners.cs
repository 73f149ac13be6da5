using Microsoft.AspNetCore.Connections;

namespace TrackTrace.Api.Hosting;

/// <summary>The service's three listeners; each request knows which one it came in on.</summary>
public enum Listener
{
    /// <summary>The mutual-TLS API (Api:HttpsPort): every request comes with a device certificate.</summary>
    Api,

    /// <summary>EST enrollment (Api:EnrollmentPort): server TLS only; devices that have no certificate yet.</summary>
    Enrollment,

    /// <summary>/health and /metrics, plain HTTP on loopback (Api:HealthPort).</summary>
    Operational,
}

/// <summary>Set on every connection by the listener that accepted it (a connection feature, so each request sees it).</summary>
public sealed record ListenerFeature(Listener Listener);

public static class Listeners
{
    /// <summary>Kestrel connection middleware marking each connection of a listener with <paramref name="listener"/>.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Mark(Listener listener)
    {
        var feature = new ListenerFeature(listener);
        return next => connection =>
        {
            connection.Features.Set(feature);
            return next(connection);
        };
    }

    /// <summary>
    /// The listener of this request. A connection none of ours marked (an in-process test server)
    /// counts as the API when it is https and as the operational port otherwise.
    /// </summary>
    public static Listener Of(HttpContext context) =>
        context.Features.Get<ListenerFeature>()?.Listener ?? (context.Request.IsHttps ? Listener.Api : Listener.Operational);
}
