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
    public async Task Scans_sharing_group_commits_with_a_suspended_scanners_are_accepted_and_its_own_are_not()
    {
        // A group commit checks all its scans' devices in one statement: one changed device must not
        // let its scans through, nor take the others' with it.
        var (suspendedId, suspended) = await SeenScannerAsync();
        var (_, active) = await SeenScannerAsync();
        await ServiceFixture.Expect(await setup.AdminOnSecond.PostAsJsonAsync($"/api/devices/{suspendedId}/suspend",
            new { reason = "lost at the dock" }), HttpStatusCode.OK);

        var shipments = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => setup.Api.RegisterShipmentAsync("road-domestic")));
        var scanIds = shipments.Select(_ => Guid.NewGuid()).ToArray();
        var at = DateTimeOffset.UtcNow;
        var answers = await Task.WhenAll(shipments.Select((shipment, i) =>
            ServiceFixture.ScanAsync(i % 2 == 0 ? active.Client : suspended.Client, shipment, scanIds[i], at)));

        for (var i = 0; i < answers.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? HttpStatusCode.Created : HttpStatusCode.Forbidden, answers[i].StatusCode);
        }

        // The accepted ones have their receipts: a retry is answered from it, not recorded again.
        var retry = await ServiceFixture.ScanAsync(active.Client, shipments[0], scanIds[0], at);
        await ServiceFixture.Expect(retry, HttpStatusCode.Created);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipments[0]}/timeline"), HttpStatusCode.OK);
        var facts = timeline.EnumerateArray().Select(e => e.GetProperty("fact").GetString()).ToArray();
        Assert.Single(facts, fact => fact == "station-checked-in");
        Assert.DoesNotContain("out-of-sequence-scan-recorded", facts);
        active.Client.Dispose();
        suspended.Client.Dispose();
    }

    /// <summary>A factory scanner that has scanned once, so its next scans carry the device check in their write.</summary>
    private async Task<(string DeviceId, (HttpClient Client, string Station) Scanner)> SeenScannerAsync()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        var client = setup.Service.Client(await setup.Api.EnrollAsync("scanner", station, deviceId, Current));
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, await setup.Api.RegisterShipmentAsync("road-domestic")),
            HttpStatusCode.Created);
        return (deviceId, (client, station));
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
    public async Task A_retired_certificate_is_refused_on_an_open_connection_of_the_other_instance_while_the_devices_other_one_works()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        var leaked = await setup.Api.EnrollAsync("scanner", station, deviceId, Current);
        var renewed = TestPki.Instance.IssueDevice(deviceId);
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{deviceId}/certificates",
            new { certificate = TestPki.Pem(renewed) }), HttpStatusCode.OK);
        using var onLeaked = setup.Service.Client(leaked);
        using var onRenewed = setup.Service.Client(renewed);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(onLeaked, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);

        var fingerprint = Convert.ToHexStringLower(leaked.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        var retired = await ServiceFixture.Expect(await setup.AdminOnSecond.SendAsync(Retire(deviceId, fingerprint, "key found on a paste site")),
            HttpStatusCode.OK);
        var certificates = retired.GetProperty("certificates").EnumerateArray().ToArray();
        Assert.True(certificates.Single(c => c.GetProperty("fingerprint").GetString() == fingerprint).GetProperty("retired").GetBoolean());

        var refused = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(onLeaked, await setup.Api.RegisterShipmentAsync("road-domestic")),
            HttpStatusCode.Forbidden);
        Assert.Equal("certificate-retired", refused.GetProperty("reason").GetString());
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(onRenewed, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);

        // Audited with who and why; it cannot be bound again; a retry changes nothing.
        var audit = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);
        var entry = audit.EnumerateArray().Last();
        Assert.Equal(("certificate-retired", "admin", "key found on a paste site"),
            (entry.GetProperty("fact").GetString(), entry.GetProperty("by").GetString(), entry.GetProperty("reason").GetString()));
        var again = await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{deviceId}/certificates",
            new { certificate = TestPki.Pem(leaked) }), HttpStatusCode.Conflict);
        Assert.EndsWith("/certificate-retired", again.GetProperty("type").GetString());
        await ServiceFixture.Expect(await setup.Admin.SendAsync(Retire(deviceId, fingerprint, "again")), HttpStatusCode.OK);
        var unchanged = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);
        Assert.Equal(audit.GetArrayLength(), unchanged.GetArrayLength());
    }

    [Theory]
    [InlineData("", 400)]
    [InlineData("for no reason given here", 404)]
    public async Task Retiring_needs_a_reason_and_a_certificate_of_that_device(string reason, int status)
    {
        var deviceId = ServiceFixture.NewId("sensor").ToLowerInvariant();
        var certificate = await setup.Api.EnrollAsync("sensor", deviceId: deviceId, attributes: Current);
        var fingerprint = status == 404
            ? new string('a', 64)
            : Convert.ToHexStringLower(certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        await ServiceFixture.Expect(await setup.Admin.SendAsync(Retire(deviceId, fingerprint, reason)), (HttpStatusCode)status);
        // Nothing was retired: the sensor still gets past the device check (to a 404 for a shipment that does not exist).
        using var sensor = setup.Service.Client(certificate);
        await ServiceFixture.Expect(await sensor.PostAsJsonAsync("/api/shipments/NO-SUCH-SHIPMENT/temperature-readings",
            new { readings = new[] { new { at = DateTimeOffset.UtcNow, celsius = 4.0 } } }), HttpStatusCode.NotFound);
    }

    private static HttpRequestMessage Retire(string deviceId, string fingerprint, string reason) =>
        new(HttpMethod.Delete, $"/api/devices/{deviceId}/certificates/{fingerprint}") { Content = JsonContent.Create(new { reason }) };

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
