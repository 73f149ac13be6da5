using Npgsql;
using TrackTrace.Api.Store;

namespace TrackTrace.Api.Shipments.RecordingScan;

/// <summary>
/// Receipts stored before they had a table of their own lived in Marten's document table
/// <c>mt_doc_scanreceipt</c>. A scanner retrying such a scan must still get its original answer (not a
/// second judgement, which would record an out-of-sequence anomaly), so at start-up the old receipts
/// are moved into <see cref="ScanReceipts"/> in one transaction and the old table dropped. Runs after
/// Marten applied the schema (registered after it); a database without the old table is left alone,
/// and two instances starting together move them once (the table lock; the loser finds no table).
/// </summary>
public sealed class LegacyScanReceipts(NpgsqlDataSource dataSource, ILogger<LegacyScanReceipts> logger) : IHostedService
{
    public const string LegacyTable = TrackTraceStore.Schema + ".mt_doc_scanreceipt";

    private const string Move = $"""
        do $$
        declare moved bigint;
        begin
          if to_regclass('{LegacyTable}') is null then
            return;
          end if;
          lock table {LegacyTable} in access exclusive mode;
          insert into {ScanReceipts.Table} (scan_id, shipment_id, request_hash, status, body, recorded_at)
            select id, data->>'shipmentId', data->>'requestHash', (data->>'status')::integer, data->>'body',
                   (data->>'at')::timestamptz
            from {LegacyTable}
            on conflict (scan_id) do nothing;
          get diagnostics moved = row_count;
          drop table {LegacyTable};
          raise notice 'moved % scan receipts', moved;
        exception when undefined_table then
          null; -- another instance moved them a moment ago
        end $$
        """;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        connection.Notice += (_, e) => logger.LogInformation("Scan receipts from before their table: {Notice}", e.Notice.MessageText);
        await using var command = new NpgsqlCommand(Move, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
