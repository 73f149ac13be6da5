using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Pki;

/// <summary>
/// What the client side of mutual TLS sends, seen by a real TLS server on loopback: the device
/// certificate, followed by its issuing CA only when asked, so the service's tests of both cases
/// test what they say.
/// </summary>
public sealed class TrustedChannelTests : IDisposable
{
    private readonly CertificateAuthority _root = CertificateAuthority.Create();
    private readonly CertificateAuthority _issuing;
    private readonly X509Certificate2 _server;
    private readonly X509Certificate2 _device;

    public TrustedChannelTests()
    {
        _issuing = _root.CreateIssuingAuthority();
        _server = _root.IssueServerCertificate(["localhost"], [IPAddress.Loopback]);
        _device = _issuing.IssueClientCertificate("scanner-1");
    }

    public void Dispose()
    {
        _device.Dispose();
        _server.Dispose();
        _issuing.Dispose();
        _root.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_client_sends_its_certificate_and_the_issuing_CA_only_when_given(bool sendIssuingCa)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string? leaf = null;
        string[] sent = [];
        var server = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _server,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    // Record what arrived; this throwaway server accepts any client.
                    leaf = (certificate as X509Certificate2)?.Thumbprint;
                    sent = [.. chain!.ChainPolicy.ExtraStore.Select(c => c.Thumbprint)];
                    return true;
                },
            });
            var buffer = new byte[4096];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await tls.ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await tls.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray());
        });

        using var handler = TrustedChannel.CreateHandler(
            _root.Certificate, _device, clientIntermediates: sendIssuingCa ? [_issuing.Certificate] : null);
        using var client = new HttpClient(handler);
        using var response = await client.GetAsync(new Uri($"https://localhost:{port}/"));
        await server;

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(_device.Thumbprint, leaf);
        Assert.Equal(sendIssuingCa, sent.Contains(_issuing.Certificate.Thumbprint));
        Assert.DoesNotContain(_root.Certificate.Thumbprint, sent);
    }
}
