using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>A real HTTP endpoint on loopback that fails the first calls of each delivery, then takes it, and remembers each call.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    public sealed record Call(string DeliveryId, string Signature, string Body, int Status);

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<Call> Calls { get; } = new();
    public int FailFirst { get; set; }
    public string Url => _app.Urls.First() + "/hook";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            var deliveryId = request.Headers["X-TrackTrace-Delivery"].ToString();
            var attempt = receiver._attempts.AddOrUpdate(deliveryId, 1, (_, n) => n + 1);
            var status = attempt <= receiver.FailFirst ? 503 : 204;
            receiver.Calls.Enqueue(new Call(deliveryId, request.Headers["X-TrackTrace-Signature"].ToString(), body, status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
