using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// Clients of a service from a source address of the test's choosing: Linux routes all of
/// 127.0.0.0/8 to the loopback interface, so a socket bound to 127.0.0.2 reaches the service on
/// 127.0.0.1 from another address. Optionally the connection starts with a PROXY protocol header,
/// as a load balancer would send it, before the TLS handshake on the same socket.
/// </summary>
public static class LoopbackSources
{
    public static readonly IPAddress First = IPAddress.Parse("127.0.0.1");
    public static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");

    /// <summary>An HTTP client over mTLS (verifying the server against the test CA) whose connections come from <paramref name="local"/>.</summary>
    /// <param name="header">Bytes written first on every new connection (local end, service end), e.g. a PROXY header.</param>
    public static HttpClient Client(
        Uri api, IPAddress local, X509Certificate2 certificate, Func<IPEndPoint, IPEndPoint, byte[]>? header = null)
    {
        var handler = TrustedChannel.CreateHandler(TestPki.Instance.Ca, certificate);
        handler.ConnectCallback = async (context, ct) =>
        {
            var (socket, stream) = await ConnectAsync(local, context.DnsEndPoint.Port, ct);
            if (header is not null)
            {
                await stream.WriteAsync(header((IPEndPoint)socket.LocalEndPoint!, (IPEndPoint)socket.RemoteEndPoint!), ct);
            }

            return stream;
        };
        return new HttpClient(handler) { BaseAddress = api };
    }

    /// <summary>A socket from <paramref name="local"/> to the service (which listens on 127.0.0.1).</summary>
    public static async Task<(Socket Socket, NetworkStream Stream)> ConnectAsync(IPAddress local, int port, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            return (socket, new NetworkStream(socket, ownsSocket: true));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="first"/> on a new connection from <paramref name="local"/>, then does the TLS
    /// handshake with <paramref name="certificate"/> on the same socket and one GET: the status line, or
    /// null when the service dropped the connection (the handshake or the request failed).
    /// </summary>
    public static async Task<string?> HandshakeAndGetAsync(Uri api, IPAddress local, byte[] first, X509Certificate2 certificate, string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (_, stream) = await ConnectAsync(local, api.Port, timeout.Token);
        await using var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await stream.WriteAsync(first, timeout.Token);
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true,
            };
            policy.CustomTrustStore.Add(TestPki.Instance.Ca);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost", CertificateChainPolicy = policy, ClientCertificates = [certificate],
            }, timeout.Token);
            await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), timeout.Token);
            using var reader = new StreamReader(tls, Encoding.ASCII);
            return await reader.ReadLineAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            return null;
        }
    }

    /// <summary>PROXY protocol v1, written by hand from HAProxy's specification.</summary>
    public static byte[] ProxyV1(IPEndPoint client, IPEndPoint server) =>
        Encoding.ASCII.GetBytes($"PROXY {(client.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6")} " +
                                $"{client.Address} {server.Address} {client.Port} {server.Port}\r\n");

    /// <summary>PROXY protocol v2, command PROXY over TCP/IPv4.</summary>
    public static byte[] ProxyV2(IPEndPoint client, IPEndPoint server) =>
    [
        .. V2Signature, 0x21, 0x11, 0x00, 0x0C, .. client.Address.GetAddressBytes(), .. server.Address.GetAddressBytes(),
        (byte)(client.Port >> 8), (byte)client.Port, (byte)(server.Port >> 8), (byte)server.Port,
    ];

    /// <summary>PROXY protocol v2, command LOCAL: the balancer's own connection, e.g. a health check.</summary>
    public static byte[] ProxyV2Local() => [.. V2Signature, 0x20, 0x00, 0x00, 0x00];

    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
}
