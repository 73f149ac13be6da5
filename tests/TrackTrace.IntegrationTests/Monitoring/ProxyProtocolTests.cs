using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using TrackTrace.Api.Hosting;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Monitoring;

/// <summary>
/// Behind a TCP load balancer the service learns each device's address from the PROXY protocol
/// header, and only from a trusted proxy (here 127.0.0.1; 127.0.0.2 plays everyone else). Real
/// headers over TCP, then the TLS handshake on the same socket: what the header says is the address
/// the device is seen from; a header from anyone else, a trusted proxy's connection without one, a
/// malformed, oversized or unfinished one, never gets a TLS session.
/// </summary>
public sealed class ProxyProtocolTests(ProxyProtocolTests.BehindProxy setup) : IClassFixture<ProxyProtocolTests.BehindProxy>
{
    public sealed class BehindProxy : ServiceFixture
    {
        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Api:ProxyProtocol:TrustedProxies:0"] = "127.0.0.1",
            ["Api:ProxyProtocol:HeaderTimeout"] = "00:00:01",
            ["Devices:SightingsFlushInterval"] = "00:00:00.2",
        };

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            // 127.0.0.1 is the balancer now: the admin connects directly, from elsewhere.
            Admin.Dispose();
            Admin = LoopbackSources.Client(Service.ApiAddress, LoopbackSources.Second, TestPki.Instance.Admin);
            Api = new AdminApi(Admin);
        }

        public async Task<(string DeviceId, System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate)> StaffAsync()
        {
            var deviceId = NewId("staff").ToLowerInvariant();
            return (deviceId, await Api.EnrollAsync("staff", deviceId: deviceId));
        }

        /// <summary>The addresses the device view shows the device seen from, once they are there.</summary>
        public Task<string[]> SeenFromAsync(string deviceId, params string[] expected) => Eventually(async () =>
        {
            var device = await Expect(await Admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.OK);
            var seen = device.GetProperty("sightings").EnumerateArray().Select(s => s.GetProperty("address").GetString()!).ToArray();
            return expected.All(seen.Contains) ? seen : null;
        }, what: $"device {deviceId} seen from {string.Join(", ", expected)}");
    }

    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.7"), 50123);

    [Fact]
    public async Task A_trusted_proxys_v1_and_v2_headers_make_the_devices_client_address_the_one_it_is_seen_from()
    {
        var (deviceId, certificate) = await setup.StaffAsync();
        var service = setup.Service.ApiAddress;

        using var viaV1 = LoopbackSources.Client(service, LoopbackSources.First, certificate, (_, server) => LoopbackSources.ProxyV1(Client, server));
        await ServiceFixture.Expect(await viaV1.GetAsync("/api/stations"), HttpStatusCode.OK);
        using var viaV2 = LoopbackSources.Client(service, LoopbackSources.First, certificate,
            (_, server) => LoopbackSources.ProxyV2(new IPEndPoint(IPAddress.Parse("198.51.100.23"), 40001), server));
        await ServiceFixture.Expect(await viaV2.GetAsync("/api/stations"), HttpStatusCode.OK);
        // A LOCAL header (the balancer's own connection) keeps the balancer's address.
        using var local = LoopbackSources.Client(service, LoopbackSources.First, certificate, (_, _) => LoopbackSources.ProxyV2Local());
        await ServiceFixture.Expect(await local.GetAsync("/api/stations"), HttpStatusCode.OK);

        var seen = await setup.SeenFromAsync(deviceId, "203.0.113.7", "198.51.100.23", "127.0.0.1");
        Assert.Equal(3, seen.Length);
    }

    [Fact]
    public async Task The_raw_header_then_the_handshake_on_the_same_socket_is_answered()
    {
        var (deviceId, certificate) = await setup.StaffAsync();
        var header = Encoding.ASCII.GetBytes($"PROXY TCP4 192.0.2.44 127.0.0.1 61000 {setup.Service.ApiAddress.Port}\r\n");

        var status = await LoopbackSources.HandshakeAndGetAsync(setup.Service.ApiAddress, LoopbackSources.First, header, certificate, "/api/stations");

        Assert.Equal("HTTP/1.1 200 OK", status);
        await setup.SeenFromAsync(deviceId, "192.0.2.44");
    }

    [Fact]
    public async Task A_trusted_proxys_connection_without_a_header_gets_no_tls_session()
    {
        var (_, certificate) = await setup.StaffAsync();

        Assert.Null(await LoopbackSources.HandshakeAndGetAsync(setup.Service.ApiAddress, LoopbackSources.First, [], certificate, "/api/stations"));
    }

    [Fact]
    public async Task A_header_from_a_peer_that_is_not_a_trusted_proxy_gets_no_tls_session_while_its_direct_connections_work()
    {
        var (deviceId, certificate) = await setup.StaffAsync();
        var service = setup.Service.ApiAddress;
        var claim = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 4444);

        Assert.Null(await LoopbackSources.HandshakeAndGetAsync(service, LoopbackSources.Second,
            LoopbackSources.ProxyV1(claim, new IPEndPoint(IPAddress.Loopback, service.Port)), certificate, "/api/stations"));
        Assert.Null(await LoopbackSources.HandshakeAndGetAsync(service, LoopbackSources.Second,
            LoopbackSources.ProxyV2(claim, new IPEndPoint(IPAddress.Loopback, service.Port)), certificate, "/api/stations"));

        Assert.Equal("HTTP/1.1 200 OK",
            await LoopbackSources.HandshakeAndGetAsync(service, LoopbackSources.Second, [], certificate, "/api/stations"));
        var seen = await setup.SeenFromAsync(deviceId, "127.0.0.2");
        Assert.DoesNotContain("10.9.9.9", seen);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "garbage after PROXY", Encoding.ASCII.GetBytes("PROXY TCP4 garbage\r\n") },
        { "an IPv6 address under TCP4", Encoding.ASCII.GetBytes("PROXY TCP4 2001:db8::1 127.0.0.1 1 2\r\n") },
        { "200 bytes without CRLF", Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('9', 189)) },
        { "an HTTP request", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n") },
        { "a v2 length of 60,000", [.. LoopbackSources.V2Signature, 0x21, 0x11, 0xEA, 0x60, .. new byte[64]] },
        { "v2 version 3", [.. LoopbackSources.V2Signature, 0x31, 0x11, 0x00, 0x0C, .. new byte[12]] },
        { "v2 over UDP", [.. LoopbackSources.V2Signature, 0x21, 0x12, 0x00, 0x0C, .. new byte[12]] },
        { "random bytes", [0x00, 0xFF, 0x13, 0x37, 0x42, 0x99, 0x01] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_or_oversized_header_from_the_trusted_proxy_gets_no_tls_session(string what, byte[] header)
    {
        var (_, certificate) = await setup.StaffAsync();

        var status = await LoopbackSources.HandshakeAndGetAsync(setup.Service.ApiAddress, LoopbackSources.First, header, certificate, "/api/stations");

        Assert.True(status is null, $"{what}: answered {status}");
    }

    [Theory]
    [InlineData("127.0.0.1", "PROXY TCP4 203.0.")] // a trusted proxy stuck in the middle of its header
    [InlineData("127.0.0.2", "")] // anyone else who connects and says nothing
    public async Task A_silent_peer_is_cut_off_after_the_header_timeout(string from, string sent)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var (_, stream) = await LoopbackSources.ConnectAsync(IPAddress.Parse(from), setup.Service.ApiAddress.Port, deadline.Token);
        await using (stream)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(sent), deadline.Token);
            var clock = Stopwatch.StartNew();
            int read;
            try
            {
                read = await stream.ReadAsync(new byte[16], deadline.Token);
            }
            catch (IOException)
            {
                read = 0; // reset instead of closed: cut off all the same
            }

            Assert.Equal(0, read);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15));
        }
    }

    [Theory]
    [InlineData("Api:ProxyProtocol:TrustedProxies:0", "10.0.0.1/24", "Api:ProxyProtocol:TrustedProxies:0: '10.0.0.1/24'")]
    [InlineData("Api:ProxyProtocol:TrustedProxies:0", "balancer.internal", "is not an address or CIDR")]
    [InlineData("Devices:CloneWindow", "-00:00:01", "Devices:CloneWindow")]
    [InlineData("Devices:MaxSpeedKmh:hovercraft", "80", "Devices:MaxSpeedKmh:hovercraft names no station type")]
    [InlineData("Devices:Monitoring:clones", "false", "Devices:Monitoring:clones is not a rule")]
    public void A_trusted_proxy_or_rule_setting_that_cannot_work_stops_the_service_naming_it(string key, string value, string message)
    {
        var error = Assert.Throws<InvalidSettingException>(() => TrackTraceApp.Build([], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody",
                ["RabbitMq:Uri"] = "amqp://user:password@127.0.0.1:1/",
                ["Api:ServerCertificate"] = TestPki.Instance.ServerCertificatePath,
                ["Api:ServerKey"] = TestPki.Instance.ServerKeyPath,
                ["Api:ClientCertificateAuthorities:0"] = TestPki.Instance.CaPath,
                [key] = value,
            })));
        Assert.Contains(message, error.Message);
    }
}
