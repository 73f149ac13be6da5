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

/// <summary>
/// Admission to the enrollment listener's TLS handshakes: at most a few per core at once, the rest
/// wait (holding nothing but their socket) before theirs starts. A fleet powered on at once would
/// otherwise start thousands of handshakes together, each slowed past Kestrel's handshake timeout
/// by the others, and finish none: work thrown away and retried. The slot is given back as soon as
/// the handshake is done (or failed), not held for the connection.
/// </summary>
public sealed class HandshakeAdmission(int atOnce)
{
    private readonly SemaphoreSlim _slots = new(atOnce, atOnce);

    public static HandshakeAdmission PerCore(int perCore) => new(Math.Max(1, Environment.ProcessorCount * perCore));

    /// <summary>Before UseHttps: wait for a slot.</summary>
    public Func<ConnectionDelegate, ConnectionDelegate> BeforeHandshake => next => async connection =>
    {
        try
        {
            await _slots.WaitAsync(connection.ConnectionClosed);
        }
        catch (OperationCanceledException)
        {
            return; // the client gave up waiting
        }

        var slot = new Slot(_slots);
        connection.Features.Set(slot);
        try
        {
            await next(connection);
        }
        finally
        {
            slot.Release();
        }
    };

    /// <summary>After UseHttps: the handshake is done, let the next one start.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> AfterHandshake => next => connection =>
    {
        connection.Features.Get<Slot>()?.Release();
        return next(connection);
    };

    private sealed class Slot(SemaphoreSlim slots)
    {
        private int _released;

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
