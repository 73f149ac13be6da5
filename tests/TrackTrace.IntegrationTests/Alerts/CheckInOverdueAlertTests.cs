using System.Net;
using System.Text.Json;
using TrackTrace.Api.Shipments.MonitoringOverdue;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>
/// A shipment that stops moving: the monitor, sweeping on its own every 300 ms, records the overdue
/// check-in, and the one alert reaches the stored alerts, a webhook subscribed to check-in-overdue
/// alone, and the bus (the alert and a CheckInOverdue message). The service's clock is the real one;
/// the factory check-in is dated 13 hours back, so the truck (PT8H + PT4H) is an hour overdue.
/// </summary>
public sealed class CheckInOverdueAlertTests(CheckInOverdueAlertTests.WithWebhook setup) : IClassFixture<CheckInOverdueAlertTests.WithWebhook>
{
    private const string Secret = "overdue-secret-for-the-receiver";

    public sealed class WithWebhook : ServiceFixture
    {
        public WebhookReceiver Receiver { get; private set; } = null!;
        public HttpClient Factory { get; private set; } = null!;

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Shipments:OverdueCheckInterval"] = "00:00:00.300",
            ["Alerts:Webhooks:0:Name"] = "dispatch-desk",
            ["Alerts:Webhooks:0:Url"] = Receiver.Url,
            ["Alerts:Webhooks:0:Secret"] = Secret,
            ["Alerts:Webhooks:0:Types:0"] = "check-in-overdue",
        };

        public override async Task InitializeAsync()
        {
            Receiver = await WebhookReceiver.StartAsync(Secret);
            await base.InitializeAsync();
            Factory = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync("factory")));
        }

        public override async Task DisposeAsync()
        {
            Factory.Dispose();
            await base.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_shipment_that_stopped_moving_raises_one_check_in_overdue_alert_to_the_store_the_webhook_and_the_bus()
    {
        await using var probe = await BusProbe.StartAsync(setup.Broker);
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        var now = DateTimeOffset.UtcNow;
        var atFactory = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddHours(-13);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Factory, shipment, at: atFactory), HttpStatusCode.Created);

        var overdue = await probe.Single<CheckInOverdue>(m => m.ShipmentId == shipment, "CheckInOverdue on the bus");
        Assert.Equal((2, "Road transport", atFactory, atFactory.AddHours(12)),
            (overdue.LegNumber, overdue.LegName, overdue.WaitingSince, overdue.DueAt));
        Assert.Equal(["truck"], overdue.ExpectedStationTypes);
        var raised = await probe.Single<AlertRaised>(m => m.ShipmentId == shipment, "AlertRaised on the bus");
        Assert.Equal("check-in-overdue", raised.Type);

        var stored = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        var alert = Assert.Single(stored.GetProperty("items").EnumerateArray());
        Assert.Equal((raised.AlertId, "check-in-overdue"), (alert.GetProperty("id").GetString(), alert.GetProperty("type").GetString()));

        var delivered = await ServiceFixture.Eventually(() => Task.FromResult(
            setup.Receiver.Calls.FirstOrDefault(c => c.DeliveryId == $"{raised.AlertId}/dispatch-desk" && c.Status == 204)),
            what: "the webhook to take the check-in-overdue alert");
        Assert.Null(delivered.Refusal);
        Assert.Equal("check-in-overdue", JsonDocument.Parse(delivered.Body).RootElement.GetProperty("type").GetString());

        // Sweeps go on (every 300 ms, and two more here); the shipment stays recorded once.
        var monitor = setup.Service.Get<OverdueMonitor>();
        await monitor.SweepAsync(CancellationToken.None);
        await monitor.SweepAsync(CancellationToken.None);
        await ServiceFixture.Eventually(async () =>
            (await ServiceFixture.Expect(await setup.Admin.GetAsync("/api/shipments?overdue=true"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Any(s => s.GetProperty("shipmentId").GetString() == shipment), what: "the overdue filter");
        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        Assert.Single(timeline.EnumerateArray(), e => e.GetProperty("fact").GetString() == "check-in-overdue");
        Assert.Single(probe.All<CheckInOverdue>(m => m.ShipmentId == shipment));
    }
}
