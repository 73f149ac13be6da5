using System.Net;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>
/// GET /api/alerts/stream: staff hear of alerts raised on any instance, and a reconnecting stream
/// replays what it missed.
/// </summary>
public sealed class AlertStreamTests(AlertStreamTests.TwoInstances setup) : IClassFixture<AlertStreamTests.TwoInstances>
{
    /// <summary>Two services on one database; scanners talk to the first, staff listen on the second.</summary>
    public sealed class TwoInstances : ServiceFixture
    {
        public ServiceInstance Second { get; private set; } = null!;
        public HttpClient Factory { get; private set; } = null!;
        public HttpClient Destination { get; private set; } = null!;
        public HttpClient StaffOnSecond { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Second = await ServiceInstance.StartAsync(ConnectionString, Broker);
            Factory = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync("factory")));
            Destination = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync("destination")));
            StaffOnSecond = Second.Client(await Api.EnrollAsync("staff"));
        }

        public override async Task DisposeAsync()
        {
            StaffOnSecond.Dispose();
            await Second.DisposeAsync();
            await base.DisposeAsync();
        }

        /// <summary>An out-of-sequence scan on the first instance: a shipment scanned at its destination before the factory.</summary>
        public async Task<string> RaiseOutOfSequenceAsync()
        {
            var shipment = await Api.RegisterShipmentAsync("road-domestic");
            await Expect(await ScanAsync(Destination, shipment), HttpStatusCode.Conflict);
            return shipment;
        }
    }

    [Fact]
    public async Task An_alert_raised_on_one_instance_reaches_a_stream_open_on_another()
    {
        await using var stream = await AlertStream.OpenAsync(setup.StaffOnSecond, "/api/alerts/stream");
        Assert.Equal("text/event-stream", stream.ContentType);

        var shipment = await setup.RaiseOutOfSequenceAsync();

        var item = await stream.NextAsync(a => a.GetProperty("shipmentId").GetString() == shipment);
        Assert.Equal("alert", item.EventType);
        var alert = JsonDocument.Parse(item.Data).RootElement;
        Assert.Equal("out-of-sequence", alert.GetProperty("type").GetString());
        Assert.StartsWith("alert-", alert.GetProperty("id").GetString());
        Assert.False(alert.GetProperty("acknowledged").GetBoolean());
        Assert.Equal(alert.GetProperty("raisedAt").GetDateTimeOffset(), DateTimeOffset.Parse(item.EventId!));
    }

    [Fact]
    public async Task A_stream_reopened_with_Last_Event_ID_or_since_replays_the_alerts_it_missed()
    {
        // Listen once so the position is an event id the server gave out, then miss two alerts.
        string lastEventId;
        await using (var first = await AlertStream.OpenAsync(setup.StaffOnSecond, "/api/alerts/stream"))
        {
            var seen = await setup.RaiseOutOfSequenceAsync();
            lastEventId = (await first.NextAsync(a => a.GetProperty("shipmentId").GetString() == seen)).EventId!;
        }

        var missed = new[] { await setup.RaiseOutOfSequenceAsync(), await setup.RaiseOutOfSequenceAsync() };

        await using (var reconnected = await AlertStream.OpenAsync(setup.StaffOnSecond, "/api/alerts/stream", lastEventId))
        {
            foreach (var shipment in missed)
            {
                await reconnected.NextAsync(a => a.GetProperty("shipmentId").GetString() == shipment);
            }
        }

        var since = Uri.EscapeDataString(DateTimeOffset.Parse(lastEventId).ToString("O"));
        await using var fresh = await AlertStream.OpenAsync(setup.StaffOnSecond, $"/api/alerts/stream?since={since}");
        foreach (var shipment in missed)
        {
            await fresh.NextAsync(a => a.GetProperty("shipmentId").GetString() == shipment);
        }
    }

    [Fact]
    public async Task Each_alert_is_sent_once_on_a_stream_even_when_replay_and_live_feed_overlap()
    {
        var shipment = await setup.RaiseOutOfSequenceAsync();
        // since= a minute back replays the alert; the poller, looking back over late commits, sees it too.
        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"));
        await using var stream = await AlertStream.OpenAsync(setup.StaffOnSecond, $"/api/alerts/stream?since={since}");
        await stream.NextAsync(a => a.GetProperty("shipmentId").GetString() == shipment);

        var marker = await setup.RaiseOutOfSequenceAsync();
        var between = await stream.CollectUntilAsync(a => a.GetProperty("shipmentId").GetString() == marker);
        Assert.DoesNotContain(between, a => a.GetProperty("shipmentId").GetString() == shipment);
    }

    [Fact]
    public async Task Only_staff_and_admins_may_listen()
    {
        var response = await setup.Factory.GetAsync("/api/alerts/stream");
        var problem = await ServiceFixture.Expect(response, HttpStatusCode.Forbidden);
        Assert.EndsWith("/role-not-allowed", problem.GetProperty("type").GetString());
        await using var admin = await AlertStream.OpenAsync(setup.Admin, "/api/alerts/stream");
        Assert.Equal("text/event-stream", admin.ContentType);
    }

    [Fact]
    public async Task A_since_that_is_not_a_time_is_a_problem()
    {
        var problem = await ServiceFixture.Expect(
            await setup.StaffOnSecond.GetAsync("/api/alerts/stream?since=yesterday"), HttpStatusCode.BadRequest);
        Assert.EndsWith("/invalid-request", problem.GetProperty("type").GetString());
    }
}
