using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;
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

    /// <summary>An open event stream read by .NET's own SSE parser in the background.</summary>
    private sealed class AlertStream : IAsyncDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

        private readonly HttpResponseMessage _response;
        private readonly CancellationTokenSource _stop = new();
        private readonly Channel<SseItem<string>> _items = Channel.CreateUnbounded<SseItem<string>>();
        private readonly Task _reading;

        private AlertStream(HttpResponseMessage response, Stream body)
        {
            _response = response;
            _reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (var item in SseParser.Create(body).EnumerateAsync(_stop.Token))
                    {
                        await _items.Writer.WriteAsync(item);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
                {
                }
                finally
                {
                    _items.Writer.TryComplete();
                }
            });
        }

        public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

        public static async Task<AlertStream> OpenAsync(HttpClient client, string path, string? lastEventId = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            using var timeout = new CancellationTokenSource(Patience);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // Only a refusal has a body that ends; an open stream is read in the background.
                Assert.Fail($"expected 200 but got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            return new AlertStream(response, await response.Content.ReadAsStreamAsync());
        }

        /// <summary>The next alert event whose JSON matches; other events are passed over.</summary>
        public async Task<SseItem<string>> NextAsync(Func<JsonElement, bool> wanted)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                var item = await Read(timeout.Token);
                if (item.EventType == "alert" && wanted(JsonDocument.Parse(item.Data).RootElement))
                {
                    return item;
                }
            }
        }

        /// <summary>Every alert up to and including the first that matches.</summary>
        public async Task<List<JsonElement>> CollectUntilAsync(Func<JsonElement, bool> last)
        {
            using var timeout = new CancellationTokenSource(Patience);
            var alerts = new List<JsonElement>();
            while (true)
            {
                var item = await Read(timeout.Token);
                if (item.EventType != "alert")
                {
                    continue;
                }

                var alert = JsonDocument.Parse(item.Data).RootElement.Clone();
                alerts.Add(alert);
                if (last(alert))
                {
                    return alerts;
                }
            }
        }

        private async Task<SseItem<string>> Read(CancellationToken ct)
        {
            try
            {
                return await _items.Reader.ReadAsync(ct);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching alert on the stream within {Patience.TotalSeconds} s");
            }
            catch (ChannelClosedException)
            {
                throw new InvalidOperationException("the server closed the event stream");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _response.Dispose();
            await _reading.WaitAsync(Patience);
            _stop.Dispose();
        }
    }
}
