using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>
/// An out-of-sequence scan and a cold-chain breach: each one stored alert, a signed webhook delivery
/// retried with the same id, and messages on the bus. A webhook that redirects is never followed.
/// </summary>
public sealed class AlertDeliveryTests(AlertDeliveryTests.WithWebhook setup) : IClassFixture<AlertDeliveryTests.WithWebhook>
{
    public const string Secret = "s3cret-shared-with-the-receiver";

    public sealed class WithWebhook : ServiceFixture
    {
        public WebhookReceiver Receiver { get; private set; } = null!;

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Alerts:Webhooks:0:Name"] = "on-call",
            ["Alerts:Webhooks:0:Url"] = Receiver.Url,
            ["Alerts:Webhooks:0:Secret"] = Secret,
            ["Alerts:Webhooks:0:Types:0"] = "out-of-sequence",
            ["Alerts:Webhooks:0:Types:1"] = "cold-chain-breach",
            ["Alerts:Webhooks:0:Types:2"] = "delivery-refused",
            ["Alerts:Webhooks:1:Name"] = "moved",
            ["Alerts:Webhooks:1:Url"] = Receiver.RedirectingUrl,
            ["Alerts:Webhooks:1:Secret"] = Secret,
            ["Alerts:Webhooks:1:Types:0"] = "out-of-sequence",
        };

        public override async Task InitializeAsync()
        {
            Receiver = await WebhookReceiver.StartAsync(Secret);
            Receiver.FailFirst = 2;
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task Out_of_sequence_gives_one_alert_a_signed_webhook_retried_with_the_same_id_and_a_bus_message()
    {
        await using var probe = await BusProbe.StartAsync(setup.Broker);
        var destination = await setup.Api.RegisterStationAsync("destination");
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", destination));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Conflict);

        var alerts = await ServiceFixture.Expect(
            await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        var alert = Assert.Single(alerts.GetProperty("items").EnumerateArray());
        var alertId = alert.GetProperty("id").GetString()!;
        Assert.Equal("out-of-sequence", alert.GetProperty("type").GetString());

        var calls = await HookCallsAsync(alertId, "the webhook to take the alert");
        Assert.True(calls.Length >= 3, $"expected two refused attempts then one accepted, got {calls.Length}");
        Assert.Equal([$"{alertId}/on-call"], calls.Select(c => c.DeliveryId).Distinct());
        Assert.Single(calls.Select(c => c.Body).Distinct());
        Assert.All(calls, c => Assert.Null(c.Refusal));
        var accepted = calls.Single(c => c.Status == 204);
        AssertSignedAsAReceiverChecksIt(accepted);
        Assert.Equal(alertId, JsonDocument.Parse(accepted.Body).RootElement.GetProperty("alertId").GetString());

        await probe.Single<AlertRaised>(m => m.AlertId == alertId, "AlertRaised on the bus");
        await probe.Single<OutOfSequenceScanDetected>(m => m.ShipmentId == shipment, "OutOfSequenceScanDetected on the bus");
        Assert.Single(probe.All<AlertRaised>(m => m.AlertId == alertId));
    }

    [Fact]
    public async Task A_cold_chain_breach_gives_one_alert_a_signed_webhook_and_messages_on_the_bus()
    {
        await using var probe = await BusProbe.StartAsync(setup.Broker);
        var shipment = await setup.Api.RegisterShipmentAsync("ocean-reefer");
        var sensorId = ServiceFixture.NewId("sensor").ToLowerInvariant();
        using var sensor = setup.Service.Client(await setup.Api.EnrollAsync("sensor", deviceId: sensorId));
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/shipments/{shipment}/sensors", new { deviceId = sensorId }), HttpStatusCode.OK);
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        await ServiceFixture.Expect(await sensor.PostAsJsonAsync($"/api/shipments/{shipment}/temperature-readings",
            new { readings = new[] { new { at, celsius = 5.0 }, new { at = at.AddMinutes(1), celsius = 19.5 } } }), HttpStatusCode.OK);

        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        var alert = Assert.Single(alerts.GetProperty("items").EnumerateArray());
        Assert.Equal("cold-chain-breach", alert.GetProperty("type").GetString());
        var alertId = alert.GetProperty("id").GetString()!;

        var calls = await HookCallsAsync(alertId, "the webhook to take the breach alert");
        Assert.Equal([$"{alertId}/on-call"], calls.Select(c => c.DeliveryId).Distinct());
        AssertSignedAsAReceiverChecksIt(calls.Single(c => c.Status == 204));

        var breach = await probe.Single<ColdChainBreached>(m => m.ShipmentId == shipment, "ColdChainBreached on the bus");
        Assert.Equal("hard-limit", breach.Rule);
        await probe.Single<AlertRaised>(m => m.AlertId == alertId, "AlertRaised on the bus");
    }

    [Fact]
    public async Task A_webhook_that_redirects_is_not_followed_and_the_delivery_is_retried_at_the_configured_url()
    {
        var destination = await setup.Api.RegisterStationAsync("destination");
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", destination));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Conflict);
        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        var alertId = Assert.Single(alerts.GetProperty("items").EnumerateArray()).GetProperty("id").GetString()!;
        var delivery = $"{alertId}/moved";

        // A 3xx is a failed attempt: the sender tries the configured URL again, never the Location.
        var moved = await ServiceFixture.Eventually(() =>
        {
            var mine = setup.Receiver.Calls.Where(c => c.Path == "/moved" && c.DeliveryId == delivery).ToArray();
            return Task.FromResult(mine.Length >= 2 ? mine : null);
        }, TimeSpan.FromSeconds(30), "two attempts at the redirecting webhook");
        Assert.All(moved, c => Assert.Null(c.Refusal));
        // The other webhook took the same alert meanwhile: the redirect target was reachable all along.
        await HookCallsAsync(alertId, "the on-call webhook to take the alert");
        Assert.DoesNotContain(setup.Receiver.Calls, c => c.Path == "/hook" && c.DeliveryId == delivery);
    }

    [Fact]
    public void The_receivers_check_refuses_a_signature_moved_to_another_delivery_another_body_or_an_old_time()
    {
        var now = DateTimeOffset.UtcNow;
        var header = Sign(now.ToUnixTimeSeconds(), "alert-1/on-call", "{}");
        Assert.Null(WebhookReceiver.Verify(Secret, header, "alert-1/on-call", "{}", now));
        Assert.NotNull(WebhookReceiver.Verify(Secret, header, "alert-2/on-call", "{}", now));
        Assert.NotNull(WebhookReceiver.Verify(Secret, header, "alert-1/on-call", "{ }", now));
        Assert.NotNull(WebhookReceiver.Verify(Secret, header, "alert-1/on-call", "{}", now.AddMinutes(6)));
        Assert.NotNull(WebhookReceiver.Verify("another-secret-of-the-same-size", header, "alert-1/on-call", "{}", now));
        Assert.NotNull(WebhookReceiver.Verify(Secret, "sha256=" + header.Split("v1=")[1], "alert-1/on-call", "{}", now));
    }

    [Fact]
    public async Task Staff_acknowledge_an_alert_and_the_list_filters_by_state()
    {
        var staff = setup.Service.Client(await setup.Api.EnrollAsync("staff", deviceId: "staff-" + Guid.NewGuid().ToString("N")[..6]));
        var destination = await setup.Api.RegisterStationAsync("destination");
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", destination));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.ScanAsync(scanner, shipment);

        var open = await ServiceFixture.Expect(await staff.GetAsync($"/api/alerts?shipmentId={shipment}&acknowledged=false"), HttpStatusCode.OK);
        var alertId = Assert.Single(open.GetProperty("items").EnumerateArray()).GetProperty("id").GetString();
        var acked = await ServiceFixture.Expect(
            await staff.PostAsJsonAsync($"/api/alerts/{alertId}/ack", new { note = "called the driver" }), HttpStatusCode.OK);
        Assert.True(acked.GetProperty("acknowledged").GetBoolean());
        Assert.StartsWith("staff-", acked.GetProperty("acknowledgedBy").GetString());
        Assert.True(acked.TryGetProperty("acknowledgedAt", out _));

        var stillOpen = await ServiceFixture.Expect(await staff.GetAsync($"/api/alerts?shipmentId={shipment}&acknowledged=false"), HttpStatusCode.OK);
        Assert.Empty(stillOpen.GetProperty("items").EnumerateArray());
        var badType = await staff.GetAsync("/api/alerts?type=fire");
        Assert.Contains("out-of-sequence", (await ServiceFixture.Expect(badType, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
    }

    /// <summary>Every call that reached /hook with this alert, once one of them was taken.</summary>
    private async Task<WebhookReceiver.Call[]> HookCallsAsync(string alertId, string what) =>
        await ServiceFixture.Eventually(() =>
        {
            var mine = setup.Receiver.Calls.Where(c => c.Path == "/hook" && c.Body.Contains(alertId)).ToArray();
            return Task.FromResult(mine.Any(c => c.Status == 204) ? mine : null);
        }, TimeSpan.FromSeconds(30), what);

    /// <summary>t=&lt;unix&gt;,v1=&lt;hex&gt; over "t.deliveryId.body", recomputed here the way a receiver would.</summary>
    private static void AssertSignedAsAReceiverChecksIt(WebhookReceiver.Call call)
    {
        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", call.Signature);
        var t = long.Parse(call.Signature.Split(',')[0]["t=".Length..]);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - t, -5, 120);
        Assert.Equal(Sign(t, call.DeliveryId, call.Body), call.Signature);
    }

    private static string Sign(long t, string deliveryId, string body) =>
        $"t={t},v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{t}.{deliveryId}.{body}")));
}
