using System.Diagnostics.Metrics;
using Marten;
using Npgsql;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Messaging;

namespace TrackTrace.Api.Hosting;

/// <summary>
/// Two numbers an operator watches that no request measures: how far publishing to RabbitMQ lags
/// behind the committed facts (events), and how many alert deliveries wait for their webhook. Read
/// every 15 s by one small query each, exported as gauges (Prometheus /metrics and OTLP alike).
/// </summary>
public sealed class OperationalGauges : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    private readonly IDocumentStore _store;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<OperationalGauges> _logger;
    private long _publishLag;
    private long _webhookBacklog;

    public OperationalGauges(IDocumentStore store, NpgsqlDataSource dataSource, ILogger<OperationalGauges> logger)
    {
        _store = store;
        _dataSource = dataSource;
        _logger = logger;
        Metrics.Meter.CreateObservableGauge("tracktrace_publish_lag", () => Interlocked.Read(ref _publishLag), "{event}",
            "Committed facts the integration publisher has not published yet");
        Metrics.Meter.CreateObservableGauge("tracktrace_webhook_backlog", () => Interlocked.Read(ref _webhookBacklog), "{delivery}",
            "Alert deliveries waiting for their webhook");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            do
            {
                try
                {
                    await SampleAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogDebug("Could not sample the operational gauges: {Error}", ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SampleAsync(CancellationToken ct)
    {
        var progress = await _store.Advanced.AllProjectionProgress(token: ct);
        var highWater = progress.FirstOrDefault(p => p.ShardName == "HighWaterMark")?.Sequence ?? 0;
        var published = progress.FirstOrDefault(p => p.ShardName.StartsWith(IntegrationPublisher.SubscriptionName, StringComparison.Ordinal))?.Sequence ?? 0;
        Interlocked.Exchange(ref _publishLag, Math.Max(0, highWater - published));

        await using var command = _dataSource.CreateCommand($"select count(*) from {WebhookDeliveries.TableName} where delivered_at is null");
        Interlocked.Exchange(ref _webhookBacklog, (long)(await command.ExecuteScalarAsync(ct))!);
    }
}
