using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace TrackTrace.Api.Devices.WatchingDevice;

/// <summary>
/// GET /api/devices/{id}/stream: server-sent events for an open device page, one <c>device</c> event
/// (the device as GET /api/devices/{id} shows it, without sightings) at once and again whenever it
/// changes, whoever changed it (an admin, the bus, a monitoring rule) and on whichever instance: the
/// stream reads the device's row (a primary-key lookup) every <see cref="PollInterval"/>. The admin's
/// own device is checked again while it is open (<see cref="DeviceSessions"/>).
/// </summary>
public static class DeviceStreamEndpoint
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    public static void MapDeviceStream(this RouteGroupBuilder devices) =>
        devices.MapGet("/{deviceId}/stream", Handle)
            .RechecksDevice()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("A device's changes as server-sent events, from any instance and anyone, within about a second (admin)");

    private static async Task<IResult?> Handle(
        string deviceId, HttpContext http, IDocumentStore store, IOptions<JsonOptions> json, IHostApplicationLifetime lifetime,
        TimeProvider clock)
    {
        var device = await LoadAsync(store, deviceId, http.RequestAborted);
        if (device is null)
        {
            return Problems.From(DeviceRefusals.NotFound(deviceId));
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        var response = http.Response;
        ServerSentEvents.Begin(http);
        var options = json.Value.SerializerOptions;

        try
        {
            await WriteAsync(response, "retry: 3000\n\n", ct);
            var shown = "";
            var quiet = TimeSpan.Zero;
            using var timer = new PeriodicTimer(PollInterval, clock);
            do
            {
                device = await LoadAsync(store, deviceId, ct);
                var view = device is null ? "null" : JsonSerializer.Serialize(DeviceView.From(device, null, clock.GetUtcNow()), options);
                if (view != shown)
                {
                    shown = view;
                    quiet = TimeSpan.Zero;
                    await WriteAsync(response, $"event: device\ndata: {view}\n\n", ct);
                }
                else if ((quiet += PollInterval) >= HeartbeatInterval)
                {
                    quiet = TimeSpan.Zero;
                    await WriteAsync(response, ": heartbeat\n\n", ct);
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser left, the service stops, or the admin's device may no longer read; a reconnect meets the device check.
            if (http.Features.Get<DeviceSession>()?.Rejection is { } rejection && !lifetime.ApplicationStopping.IsCancellationRequested)
            {
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5), clock);
                var why = JsonSerializer.Serialize(DeviceGate.Extensions(rejection).Append(new("detail", rejection.Detail)).ToDictionary(), options);
                try
                {
                    await WriteAsync(response, $"event: device-rejected\ndata: {why}\n\n", patience.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                }
            }
        }

        return null;
    }

    /// <summary>A session per read, closed at once: the stream itself stays open for hours.</summary>
    private static async Task<Device?> LoadAsync(IDocumentStore store, string deviceId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Device>(Device.StreamKey(deviceId), ct);
    }

    private static Task WriteAsync(HttpResponse response, string text, CancellationToken ct) =>
        ServerSentEvents.WriteAsync(response, text, ct);
}
