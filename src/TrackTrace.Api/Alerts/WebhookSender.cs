using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using TrackTrace.Api.Hosting;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// Delivers queued alerts to their webhooks until each answers 2xx, backing off between tries
/// (1 s doubling to 5 min). Runs beside the request path on every instance: a dead webhook costs
/// this loop retries, never a scan its latency. Each POST carries the delivery id
/// (X-TrackTrace-Delivery, the same on every retry) so receivers can deduplicate, and a signature
/// over a fresh timestamp, that id and the body (<see cref="WebhookSignature"/>). Redirects are never
/// followed (the HTTP client is built without them): a 3xx is a failed attempt, retried like any other,
/// so a signed alert only ever reaches the URL the operator configured.
/// </summary>
public sealed class WebhookSender(
    NpgsqlDataSource dataSource, IHttpClientFactory http, IOptions<AlertOptions> options, TimeProvider clock,
    ILogger<WebhookSender> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    private const string Claim =
        $"update {WebhookDeliveries.TableName} set next_attempt_at = now() + make_interval(secs => $1) " +
        $"where id in (select id from {WebhookDeliveries.TableName} where delivered_at is null and next_attempt_at <= now() " +
        "order by next_attempt_at limit 50 for update skip locked) returning id, webhook, payload::text, attempts";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Webhooks.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), clock);
        try
        {
            do
            {
                try
                {
                    while (await SendDueAsync(stoppingToken) > 0)
                    {
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning("Webhook delivery round failed: {Error}", ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<int> SendDueAsync(CancellationToken ct)
    {
        var due = new List<(string Id, string Webhook, string Payload, int Attempts)>();
        await using (var claim = dataSource.CreateCommand(Claim))
        {
            claim.Parameters.AddWithValue(Lease.TotalSeconds);
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
            }
        }

        await Task.WhenAll(due.Select(d => DeliverAsync(d.Id, d.Webhook, d.Payload, d.Attempts, ct)));
        return due.Count;
    }

    private async Task DeliverAsync(string id, string webhookName, string payload, int attempts, CancellationToken ct)
    {
        var webhook = options.Value.Webhooks.FirstOrDefault(w => w.Name == webhookName);
        string? error = null;
        if (webhook is null)
        {
            error = $"webhook '{webhookName}' is no longer configured";
        }
        else
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
                {
                    Content = new StringContent(payload, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add(WebhookSignature.DeliveryHeaderName, id);
                request.Headers.Add(WebhookSignature.HeaderName,
                    WebhookSignature.Header(webhook.Secret, clock.GetUtcNow().ToUnixTimeSeconds(), id, payload));
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("TrackTrace", "1"));
                using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
                if (!response.IsSuccessStatusCode)
                {
                    error = (int)response.StatusCode is >= 300 and < 400
                        ? $"HTTP {(int)response.StatusCode} redirect to '{response.Headers.Location}', not followed: configure the final URL"
                        : $"HTTP {(int)response.StatusCode}";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                error = ex.Message;
            }
        }

        var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts, 20))));
        await using var update = dataSource.CreateCommand(error is null
            ? $"update {WebhookDeliveries.TableName} set delivered_at = now(), attempts = attempts + 1, last_error = null where id = $1"
            : $"update {WebhookDeliveries.TableName} set attempts = attempts + 1, last_error = $2, next_attempt_at = now() + make_interval(secs => $3) where id = $1");
        update.Parameters.AddWithValue(id);
        if (error is not null)
        {
            update.Parameters.AddWithValue(error);
            update.Parameters.AddWithValue(backoff.TotalSeconds);
            logger.LogWarning("Webhook {Webhook} did not take alert delivery {DeliveryId} (attempt {Attempt}): {Error}; next try in {Backoff}",
                webhookName, id, attempts + 1, error, backoff);
        }

        await update.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
