using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using MassTransit;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>
/// Instant revocation: two service instances on one database; once a suspension or an attribute
/// change has answered, neither instance accepts the device again, on an open connection or a new one.
/// </summary>
public sealed class RevocationTests(RevocationTests.TwoInstances setup) : IClassFixture<RevocationTests.TwoInstances>
{
    public const string Epoch = "epoch-2026-b";

    public sealed class TwoInstances : ServiceFixture
    {
        public ServiceInstance Second { get; private set; } = null!;
        public HttpClient AdminOnSecond { get; private set; } = null!;

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Devices:ExpectedAttributes:status"] = "active",
            ["Devices:ExpectedAttributes:epoch"] = Epoch,
        };

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Second = await ServiceInstance.StartAsync(ConnectionString, Broker, Overrides);
            AdminOnSecond = Second.Client(TestPki.Instance.Admin);
        }

        public override async Task DisposeAsync()
        {
            AdminOnSecond.Dispose();
            await Second.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    private static readonly Dictionary<string, string> Current = new() { ["epoch"] = Epoch };

    [Fact]
    public async Task Suspending_on_one_instance_refuses_the_very_next_request_on_an_open_connection_of_the_other()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        var certificate = await setup.Api.EnrollAsync("scanner", station, deviceId, Current);
        var prefix = ServiceFixture.NewId("REV");
        var shipments = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            shipments.Add(await setup.Api.RegisterShipmentAsync("road-domestic", $"{prefix}-{i:000}"));
        }

        // One keep-alive connection to the first instance, scanning as fast as it can.
        using var handler = TrackTrace.Pki.TrustedChannel.CreateHandler(TestPki.Instance.Ca, certificate);
        handler.MaxConnectionsPerServer = 1;
        using var scanner = new HttpClient(handler) { BaseAddress = setup.Service.ApiAddress };
        var outcomes = new ConcurrentQueue<(long SentAt, HttpStatusCode Status)>();
        var clock = Stopwatch.StartNew();
        long suspendedAt = long.MaxValue;
        var sending = Task.Run(async () =>
        {
            foreach (var shipment in shipments)
            {
                var sentAt = clock.ElapsedTicks;
                var response = await ServiceFixture.ScanAsync(scanner, shipment);
                outcomes.Enqueue((sentAt, response.StatusCode));
                if (Interlocked.Read(ref suspendedAt) < sentAt && outcomes.Count(o => o.SentAt > suspendedAt) >= 20)
                {
                    break;
                }
            }
        });

        await ServiceFixture.Eventually(() => Task.FromResult(outcomes.Count(o => o.Status == HttpStatusCode.Created) >= 10),
            what: "the scanner to get going");
        await ServiceFixture.Expect(
            await setup.AdminOnSecond.PostAsJsonAsync($"/api/devices/{deviceId}/suspend", new { reason = "lost at the dock" }),
            HttpStatusCode.OK);
        Interlocked.Exchange(ref suspendedAt, clock.ElapsedTicks);
        await sending;

        var after = outcomes.Where(o => o.SentAt > suspendedAt).ToArray();
        Assert.NotEmpty(after);
        Assert.All(after, o => Assert.Equal(HttpStatusCode.Forbidden, o.Status));

        // Whatever was stored is exactly what was accepted before the suspension answered.
        var accepted = outcomes.Count(o => o.Status == HttpStatusCode.Created);
        var page = await ServiceFixture.Expect(
            await setup.Admin.GetAsync($"/api/shipments?status=in-transit&q={prefix}&pageSize=200"), HttpStatusCode.OK);
        Assert.Equal(accepted, page.GetProperty("total").GetInt32());

        // A new connection, to either instance, is refused too.
        using var fresh = setup.Second.Client(certificate);
        var problem = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(fresh, shipments[^1]), HttpStatusCode.Forbidden);
        Assert.Equal("suspended", problem.GetProperty("reason").GetString());
        Assert.Equal("status", problem.GetProperty("attribute").GetString());
    }

    [Fact]
    public async Task Changing_an_expected_attribute_refuses_the_next_request_naming_the_attribute_but_not_its_value()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", station, deviceId, Current));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await scanner.GetAsync("/api/scans"), HttpStatusCode.MethodNotAllowed);

        await ServiceFixture.Expect(await setup.AdminOnSecond.PutAsJsonAsync($"/api/devices/{deviceId}/attributes",
            new { attributes = new { epoch = "epoch-2025" }, reason = "rotated the epoch" }), HttpStatusCode.OK);

        var response = await ServiceFixture.ScanAsync(scanner, shipment);
        var body = await response.Content.ReadAsStringAsync();
        var problem = await ServiceFixture.Expect(response, HttpStatusCode.Forbidden);
        Assert.Equal("epoch", problem.GetProperty("attribute").GetString());
        Assert.Equal("attribute-mismatch", problem.GetProperty("reason").GetString());
        Assert.DoesNotContain(Epoch, body);

        var audit = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);
        var change = audit.EnumerateArray().Last();
        Assert.Equal("attributes-changed", change.GetProperty("fact").GetString());
        Assert.Equal("admin", change.GetProperty("by").GetString());
        Assert.Equal("rotated the epoch", change.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_change_that_keeps_the_device_acceptable_does_not_interrupt_its_scans()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", station, deviceId, Current));
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);

        // A renewal certificate and a new operator attribute change the device's row, not its right to scan.
        var renewal = TestPki.Instance.IssueDevice(deviceId);
        await ServiceFixture.Expect(await setup.AdminOnSecond.PostAsJsonAsync($"/api/devices/{deviceId}/certificates",
            new { certificate = TestPki.Pem(renewal) }), HttpStatusCode.OK);
        await ServiceFixture.Expect(await setup.AdminOnSecond.PutAsJsonAsync($"/api/devices/{deviceId}/attributes",
            new { attributes = new Dictionary<string, string>(Current) { ["dock"] = "7" }, reason = "moved to dock 7" }), HttpStatusCode.OK);

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        using var renewed = setup.Service.Client(renewal);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(renewed, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_suspended_scanner_learns_nothing_from_answers_that_store_nothing()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", station, deviceId, Current));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        var scanId = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow;
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment, scanId, at), HttpStatusCode.Created);

        await ServiceFixture.Expect(await setup.AdminOnSecond.PostAsJsonAsync($"/api/devices/{deviceId}/suspend",
            new { reason = "stolen" }), HttpStatusCode.OK);

        // Unknown shipment, a replay of its own earlier scan, bad input: all refused as the device, not answered.
        foreach (var response in new[]
                 {
                     await ServiceFixture.ScanAsync(scanner, "NO-SUCH-SHIPMENT"),
                     await ServiceFixture.ScanAsync(scanner, shipment, scanId, at),
                     await scanner.PostAsJsonAsync("/api/scans", new { shipmentId = shipment }),
                 })
        {
            var problem = await ServiceFixture.Expect(response, HttpStatusCode.Forbidden);
            Assert.Equal("suspended", problem.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task A_SuspendDevice_command_from_RabbitMQ_suspends_with_the_same_audit()
    {
        var deviceId = ServiceFixture.NewId("sensor").ToLowerInvariant();
        await setup.Api.EnrollAsync("sensor", deviceId: deviceId, attributes: Current);

        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(setup.Broker));
        await bus.StartAsync();
        try
        {
            var queue = await bus.GetSendEndpoint(new Uri("queue:suspend-device"));
            await queue.Send(new SuspendDevice(Guid.NewGuid(), deviceId, "tamper alarm", "monitoring"));
        }
        finally
        {
            await bus.StopAsync();
        }

        var audit = await ServiceFixture.Eventually(async () =>
        {
            var entries = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);
            return entries.EnumerateArray().Any(e => e.GetProperty("fact").GetString() == "suspended") ? (object)entries : null;
        }, what: "the device to be suspended by the bus command");
        var suspended = ((System.Text.Json.JsonElement)audit).EnumerateArray().Last();
        Assert.Equal("bus:monitoring", suspended.GetProperty("by").GetString());
        Assert.Equal("tamper alarm", suspended.GetProperty("reason").GetString());
        var device = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.OK);
        Assert.Equal("suspended", device.GetProperty("status").GetString());
    }
}
