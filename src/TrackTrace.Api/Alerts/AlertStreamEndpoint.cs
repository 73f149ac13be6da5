using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// GET /api/alerts/stream: server-sent events, one <c>alert</c> event per new alert (the Alert as
/// JSON, its id the alert's raisedAt) and a comment every <see cref="HeartbeatInterval"/> so proxies
/// and browsers keep the connection. A browser that reconnects sends Last-Event-ID; ?since= does the
/// same for the first connection. Either replays the stored alerts from that moment (less
/// <see cref="AlertFeed.CommitLag"/>, so late commits are not missed; clients drop repeats by id).
/// The device is checked again while the stream is open (<see cref="DeviceSessions"/>): once it may no
/// longer read alerts, a last <c>device-rejected</c> event says why and the stream ends; the browser's
/// reconnect then gets the 403.
/// </summary>
public static class AlertStreamEndpoint
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>Most alerts one replay sends; past that the stream sends a <c>reset</c> event and the page reloads its list.</summary>
    public const int MaxReplay = 1000;

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(3);

    public static void MapAlertStream(this RouteGroupBuilder alerts) =>
        alerts.MapGet("/stream", Handle)
            .RechecksDevice()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("New alerts as server-sent events; ?since= or Last-Event-ID replays what was missed (staff)");

    private static async Task Handle(
        HttpContext http, DateTimeOffset? since, AlertFeed feed, IDocumentStore store, IOptions<JsonOptions> json,
        IHostApplicationLifetime lifetime, TimeProvider clock)
    {
        var from = LastEventId(http.Request) ?? since;
        // Join the feed before reading the store, so no alert falls between the replay and the live part.
        using var subscription = feed.Subscribe();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stopping.Token;

        var response = http.Response;
        ServerSentEvents.Begin(http);
        var options = json.Value.SerializerOptions;

        try
        {
            await WriteAsync(response, $"retry: {(int)Retry.TotalMilliseconds}\n\n", ct);
            var replayed = new HashSet<string>();
            if (from is { } start)
            {
                var missed = await MissedAsync(store, start - AlertFeed.CommitLag, ct);
                if (missed.Count > MaxReplay)
                {
                    await WriteAsync(response, "event: reset\ndata: {}\n\n", ct);
                }
                else
                {
                    foreach (var alert in missed)
                    {
                        replayed.Add(alert.Id);
                        await WriteAsync(response, Event(alert, options), ct);
                    }
                }
            }

            while (await WaitAsync(subscription.Alerts, clock, ct) is var wake && wake != Wake.Closed)
            {
                if (wake == Wake.Heartbeat)
                {
                    await WriteAsync(response, ": heartbeat\n\n", ct);
                    continue;
                }

                while (subscription.Alerts.TryRead(out var alert))
                {
                    if (!replayed.Remove(alert.Id))
                    {
                        await WriteAsync(response, Event(alert, options), ct);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser left, the service stops, or the device may no longer read; a browser reconnects with Last-Event-ID.
            if (http.Features.Get<DeviceSession>()?.Rejection is { } rejection && !lifetime.ApplicationStopping.IsCancellationRequested)
            {
                await SayWhyAsync(response, rejection, options, clock);
            }
        }
        catch (AlertStreamTooSlow)
        {
            // Ending the response makes the browser reconnect and catch up from the store.
        }
    }

    /// <summary>The stream's last event: why it ends. Bounded, as the client may have stopped reading.</summary>
    private static async Task SayWhyAsync(HttpResponse response, DeviceRejection rejection, JsonSerializerOptions options, TimeProvider clock)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5), clock);
        try
        {
            var why = JsonSerializer.Serialize(DeviceGate.Extensions(rejection).Append(new("detail", rejection.Detail))
                .ToDictionary(), options);
            await WriteAsync(response, $"event: device-rejected\ndata: {why}\n\n", patience.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>A session of its own, closed at once: the stream itself stays open for hours.</summary>
    private static async Task<IReadOnlyList<Alert>> MissedAsync(IDocumentStore store, DateTimeOffset earliest, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<Alert>().Where(a => a.RaisedAt >= earliest)
            .OrderBy(a => a.RaisedAt).ThenBy(a => a.Id).Take(MaxReplay + 1).ToListAsync(ct);
    }

    private enum Wake
    {
        Alert,
        Heartbeat,
        Closed,
    }

    private static async Task<Wake> WaitAsync(ChannelReader<Alert> alerts, TimeProvider clock, CancellationToken ct)
    {
        using var heartbeat = new CancellationTokenSource(HeartbeatInterval, clock);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, heartbeat.Token);
        try
        {
            return await alerts.WaitToReadAsync(wait.Token) ? Wake.Alert : Wake.Closed;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Wake.Heartbeat;
        }
    }

    private static string Event(Alert alert, JsonSerializerOptions options) =>
        $"id: {alert.RaisedAt.ToString("O", CultureInfo.InvariantCulture)}\nevent: alert\ndata: {JsonSerializer.Serialize(alert, options)}\n\n";

    private static Task WriteAsync(HttpResponse response, string text, CancellationToken ct) =>
        ServerSentEvents.WriteAsync(response, text, ct);

    private static DateTimeOffset? LastEventId(HttpRequest request) =>
        DateTimeOffset.TryParse(request.Headers["Last-Event-ID"].ToString(), CultureInfo.InvariantCulture,
            DateTimeStyles.RoundtripKind, out var at)
            ? at
            : null;
}
