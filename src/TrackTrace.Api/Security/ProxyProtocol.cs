using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Security;

/// <summary>Section "Api:ProxyProtocol": which TCP load balancers may say whose connection it is.</summary>
public sealed class ProxyProtocolOptions
{
    public const string Section = "Api:ProxyProtocol";

    /// <summary>Addresses or CIDRs of the balancers that send a PROXY header; empty: the protocol is off, every connection is direct.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>How long a connection may take to send its PROXY header (or, from anyone else, its first byte).</summary>
    public TimeSpan HeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The trusted PROXY protocol senders, checked at start-up: a bad entry stops the service naming it.</summary>
public sealed class TrustedProxies
{
    private readonly IReadOnlyList<IPNetwork> _networks;

    private TrustedProxies(IReadOnlyList<IPNetwork> networks, TimeSpan headerTimeout)
    {
        _networks = networks;
        HeaderTimeout = headerTimeout;
    }

    public bool IsEmpty => _networks.Count == 0;
    public TimeSpan HeaderTimeout { get; }

    public bool Contains(IPAddress address) => IpNetworks.Contains(_networks, address);

    public static TrustedProxies From(ProxyProtocolOptions options)
    {
        var problems = new List<string>();
        var networks = new List<IPNetwork>();
        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            if (IpNetworks.TryParse(options.TrustedProxies[i], out var network))
            {
                networks.Add(network);
            }
            else
            {
                problems.Add($"{ProxyProtocolOptions.Section}:TrustedProxies:{i}: '{options.TrustedProxies[i]}' is not an address or CIDR " +
                             "(e.g. 10.0.0.5 or 10.0.0.0/24, no bits set past the prefix)");
            }
        }

        if (options.HeaderTimeout <= TimeSpan.Zero || options.HeaderTimeout > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{ProxyProtocolOptions.Section}:HeaderTimeout is {options.HeaderTimeout:c}; give more than 0 and at most 00:01:00");
        }

        return problems.Count > 0
            ? throw new InvalidSettingException(string.Join(Environment.NewLine, problems))
            : new TrustedProxies(networks, options.HeaderTimeout);
    }
}

/// <summary>
/// Behind a TCP load balancer every connection comes from the balancer; the PROXY protocol header it
/// sends first says whose connection it is. Read here, before TLS, and only from a trusted proxy: a
/// trusted proxy's connection without a valid header, or a header from anyone else, is dropped before
/// the handshake (a header from anyone could otherwise claim any address). What the header says
/// becomes the connection's remote address and port for everything after it (sightings, logs).
/// LOCAL (v2) and UNKNOWN (v1), the balancer's own health checks, keep the balancer's address.
/// </summary>
public sealed class ProxyProtocolMiddleware(
    ConnectionDelegate next, TrustedProxies trusted, TimeProvider clock, ILogger<ProxyProtocolMiddleware> logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var peer = connection.RemoteEndPoint as IPEndPoint;
        var fromProxy = peer is not null && trusted.Contains(peer.Address);
        string? refusal;
        using (var deadline = new CancellationTokenSource(trusted.HeaderTimeout, clock))
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, connection.ConnectionClosed))
        {
            try
            {
                refusal = fromProxy ? await ReadHeaderAsync(connection, stop.Token) : await RefuseHeaderAsync(connection, stop.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                refusal = fromProxy
                    ? $"no complete PROXY header within {trusted.HeaderTimeout:c}"
                    : $"nothing sent within {trusted.HeaderTimeout:c}";
            }
            catch (OperationCanceledException)
            {
                refusal = "closed before TLS";
            }
        }

        if (refusal is not null)
        {
            Metrics.ProxyConnectionsRefused.Add(1);
            logger.LogWarning("Dropped connection {ConnectionId} from {Peer} ({Trusted}) before TLS: {Refusal}",
                connection.ConnectionId, peer, fromProxy ? "trusted proxy" : "not a trusted proxy", refusal);
            connection.Abort(new ConnectionAbortedException(refusal));
            return;
        }

        await next(connection);
    }

    /// <summary>From a trusted proxy: the header, complete and valid, or nothing goes on.</summary>
    private static async Task<string?> ReadHeaderAsync(ConnectionContext connection, CancellationToken ct)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var read = await input.ReadAsync(ct);
            var buffer = read.Buffer;
            var header = ProxyHeader.Read(buffer);
            switch (header.Status)
            {
                case ProxyHeaderStatus.Complete:
                    input.AdvanceTo(buffer.GetPosition(header.Length));
                    if (header.Source is { } source)
                    {
                        connection.RemoteEndPoint = source;
                        if (connection.Features.Get<IHttpConnectionFeature>() is { } http)
                        {
                            (http.RemoteIpAddress, http.RemotePort) = (source.Address, source.Port);
                        }
                    }

                    return null;
                case ProxyHeaderStatus.Invalid:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return $"a trusted proxy's connection without a valid PROXY header: {header.Problem}";
                default:
                    // Incomplete: at most the header's bound is buffered before it turns invalid.
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted)
                    {
                        return "closed within the PROXY header";
                    }

                    break;
            }
        }
    }

    /// <summary>From anyone else: a direct client, whose first byte must not start a PROXY header; nothing is consumed.</summary>
    private static async Task<string?> RefuseHeaderAsync(ConnectionContext connection, CancellationToken ct)
    {
        var input = connection.Transport.Input;
        var read = await input.ReadAsync(ct);
        var buffer = read.Buffer;
        if (buffer.IsEmpty)
        {
            input.AdvanceTo(buffer.Start);
            return "closed before TLS";
        }

        var first = buffer.FirstSpan[0];
        input.AdvanceTo(buffer.Start, buffer.Start);
        return ProxyHeader.MayStart(first) ? "a PROXY header from a peer that is not a trusted proxy" : null;
    }
}

public static class ProxyProtocolListener
{
    /// <summary>Reads PROXY headers on this listener (before its TLS) when trusted proxies are configured; otherwise does nothing.</summary>
    public static ListenOptions UseProxyProtocol(this ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        var trusted = services.GetRequiredService<TrustedProxies>();
        if (!trusted.IsEmpty)
        {
            var clock = services.GetRequiredService<TimeProvider>();
            var logger = services.GetRequiredService<ILogger<ProxyProtocolMiddleware>>();
            listen.Use(next => new ProxyProtocolMiddleware(next, trusted, clock, logger).OnConnectionAsync);
        }

        return listen;
    }
}
