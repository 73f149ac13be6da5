using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>
/// A real HTTP endpoint on loopback that checks each delivery's signature as a receiver should,
/// fails the first calls of each delivery, then takes it, and remembers each call. <c>/moved</c>
/// answers every call with a 307 to <c>/hook</c>: a sender that follows it would deliver there.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>How far a signature's timestamp may be from the receiver's clock (Stripe's default).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly string _secret;
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    /// <summary>One call; <paramref name="Refusal"/> is why the signature did not verify, null when it did.</summary>
    public sealed record Call(string Path, string DeliveryId, string Signature, string Body, int Status, string? Refusal);

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        _secret = secret;
    }

    public ConcurrentQueue<Call> Calls { get; } = new();
    public int FailFirst { get; set; }
    public string Url => _app.Urls.First() + "/hook";
    public string RedirectingUrl => _app.Urls.First() + "/moved";

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret);
        app.MapPost("/hook", receiver.Receive);
        app.MapPost("/moved", async (HttpRequest request) =>
        {
            await receiver.Record(request, StatusCodes.Status307TemporaryRedirect);
            return Results.Redirect("/hook", permanent: false, preserveMethod: true);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>
    /// What a receiver does with X-TrackTrace-Signature: read t and v1, recompute the HMAC over
    /// "t.deliveryId.body" with the shared secret, compare in constant time, refuse an old t.
    /// </summary>
    public static string? Verify(string secret, string header, string deliveryId, string body, DateTimeOffset now)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToLookup(p => p[0].Trim(), p => p[1].Trim());
        if (!long.TryParse(parts["t"].SingleOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var t))
        {
            return $"no t= in '{header}'";
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(t)).Duration() > Tolerance)
        {
            return $"t={t} is more than {Tolerance} from now";
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{deliveryId}.{body}"));
        foreach (var v1 in parts["v1"])
        {
            if (v1.Length == expected.Length * 2 && v1.All(Uri.IsHexDigit) &&
                CryptographicOperations.FixedTimeEquals(Convert.FromHexString(v1), expected))
            {
                return null;
            }
        }

        return $"no v1= in '{header}' matches the HMAC of t.deliveryId.body";
    }

    private async Task<IResult> Receive(HttpRequest request)
    {
        var (deliveryId, signature, body) = await Read(request);
        var refusal = Verify(_secret, signature, deliveryId, body, DateTimeOffset.UtcNow);
        var attempt = _attempts.AddOrUpdate(deliveryId, 1, (_, n) => n + 1);
        var status = refusal is not null ? StatusCodes.Status401Unauthorized : attempt <= FailFirst ? 503 : 204;
        Calls.Enqueue(new Call(request.Path, deliveryId, signature, body, status, refusal));
        return Results.StatusCode(status);
    }

    private async Task Record(HttpRequest request, int status)
    {
        var (deliveryId, signature, body) = await Read(request);
        Calls.Enqueue(new Call(request.Path, deliveryId, signature, body, status,
            Verify(_secret, signature, deliveryId, body, DateTimeOffset.UtcNow)));
    }

    private static async Task<(string DeliveryId, string Signature, string Body)> Read(HttpRequest request) =>
        (request.Headers["X-TrackTrace-Delivery"].ToString(), request.Headers["X-TrackTrace-Signature"].ToString(),
            await new StreamReader(request.Body).ReadToEndAsync());

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
