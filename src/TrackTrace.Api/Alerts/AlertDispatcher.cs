using System.Text.Json;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Alerts;
using TrackTrace.Api.Messaging;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// Queues each raised alert for every webhook that wants its type, in the subscription's own
/// transaction: the queue row and the dispatcher's progress commit together.
/// </summary>
public sealed class AlertDispatcher : SubscriptionBase
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IOptions<AlertOptions> _options;

    public AlertDispatcher(IOptions<AlertOptions> options)
    {
        _options = options;
        Name = "alert-dispatcher";
        IncludeType<AlertRaised>();
    }

    public override Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken ct)
    {
        foreach (var e in page.Events)
        {
            if (e.Data is not AlertRaised alert)
            {
                continue;
            }

            Metrics.AlertsRaised.Add(1, new KeyValuePair<string, object?>("type", alert.Type));
            var payload = JsonSerializer.Serialize(ContractMapping.Alert(e.Id, alert), Json);
            foreach (var webhook in _options.Value.Webhooks.Where(w => w.Types.Count == 0 || w.Types.Contains(alert.Type)))
            {
                operations.QueueSqlCommand(
                    $"insert into {WebhookDeliveries.TableName} (id, webhook, alert_id, payload, attempts, next_attempt_at, created_at) " +
                    "values (?, ?, ?, ?::jsonb, 0, now(), now()) on conflict (id) do nothing",
                    $"{alert.AlertId}/{webhook.Name}", webhook.Name, alert.AlertId, payload);
            }
        }

        return Task.FromResult(NullChangeListener.Instance);
    }
}
