using Weasel.Postgresql.Tables;
using TrackTrace.Api.Store;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// The delivery queue of alert webhooks: one row per (alert, webhook), written in the same
/// transaction that moves the alert dispatcher on, so each alert is queued exactly once and
/// delivered at least once. Any instance may send; rows are claimed with SKIP LOCKED and a lease.
/// </summary>
public static class WebhookDeliveries
{
    public const string TableName = TrackTraceStore.Schema + ".webhook_deliveries";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn("id", "text").AsPrimaryKey();
        table.AddColumn("webhook", "text").NotNull();
        table.AddColumn("alert_id", "text").NotNull();
        table.AddColumn("payload", "jsonb").NotNull();
        table.AddColumn("attempts", "integer").NotNull();
        table.AddColumn("next_attempt_at", "timestamptz").NotNull();
        table.AddColumn("delivered_at", "timestamptz");
        table.AddColumn("last_error", "text");
        table.AddColumn("created_at", "timestamptz").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_webhook_deliveries_due")
        {
            Columns = ["next_attempt_at"], Predicate = "delivered_at is null",
        });
        return table;
    }
}
