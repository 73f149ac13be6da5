using Marten;
using Npgsql;
using TrackTrace.Api.Security;
using TrackTrace.Api.Store;
using Weasel.Postgresql.Tables;

namespace TrackTrace.Api.Shipments.RecordingScan;

/// <summary>What one scan writes beside its facts: its receipt, and the device check that rides in the write (none when authentication checked already).</summary>
public sealed record ScanWrite(ScanReceipt Receipt, DeviceWriteGuard? Guard);

/// <summary>
/// The receipts table, keyed by scanId: its primary key is what makes a retry find the scan
/// already recorded. A group commit stores all its scans' receipts with one statement, and that
/// statement carries their device guards too: it stores nothing, and fails the transaction, unless
/// every device is still the version judged acceptable (<see cref="DeviceWriteGuard"/>). So a scan
/// costs its append, its snapshot and a share of one statement, not four statements.
/// </summary>
public static class ScanReceipts
{
    public const string TableName = "scan_receipts";
    public const string Table = TrackTraceStore.Schema + "." + TableName;

    // The guard is a one-time filter (a stable function of the parameters only), evaluated before any row is stored.
    private const string Insert =
        $"insert into {Table} (scan_id, shipment_id, request_hash, status, body, recorded_at) " +
        "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::integer[], ?::text[], ?::timestamptz[]) " +
        $"where {DeviceWriteGuard.FunctionName}(?::text[], ?::bigint[])";

    private const string ByScanId = $"select shipment_id, request_hash, status, body, recorded_at from {Table} where scan_id = $1";

    public static Weasel.Postgresql.Tables.Table Definition()
    {
        var table = new Weasel.Postgresql.Tables.Table(Table);
        table.AddColumn("scan_id", "uuid").AsPrimaryKey();
        table.AddColumn("shipment_id", "text").NotNull();
        table.AddColumn("request_hash", "text").NotNull();
        table.AddColumn("status", "integer").NotNull();
        table.AddColumn("body", "text").NotNull();
        table.AddColumn("recorded_at", "timestamptz").NotNull();
        return table;
    }

    /// <summary>Queues the one statement that stores these scans' receipts if their devices are still as judged.</summary>
    public static void Queue(IDocumentOperations session, IReadOnlyCollection<ScanWrite> scans)
    {
        if (scans.Count == 0)
        {
            return;
        }

        var guards = scans.Select(s => s.Guard).OfType<DeviceWriteGuard>().Distinct().ToArray();
        session.QueueSqlCommand(Insert,
            scans.Select(s => s.Receipt.Id).ToArray(),
            scans.Select(s => s.Receipt.ShipmentId).ToArray(),
            scans.Select(s => s.Receipt.RequestHash).ToArray(),
            scans.Select(s => s.Receipt.Status).ToArray(),
            scans.Select(s => s.Receipt.Body).ToArray(),
            scans.Select(s => s.Receipt.At.ToUniversalTime()).ToArray(),
            guards.Select(g => g.DeviceKey).ToArray(),
            guards.Select(g => g.Version).ToArray());
    }

    /// <summary>The write failed because a receipt with this scanId exists: a retry (or a reused scanId).</summary>
    public static bool IsDuplicate(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, TableName: TableName })
            {
                return true;
            }
        }

        return false;
    }

    public static async Task<ScanReceipt?> FindAsync(NpgsqlDataSource dataSource, Guid scanId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(ByScanId);
        command.Parameters.AddWithValue(scanId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new ScanReceipt(scanId, reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
            reader.GetFieldValue<DateTimeOffset>(4));
    }
}
