using Marten;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments;

/// <summary>
/// Stores the shipment snapshots of one transaction with one statement: a group commit of 64 scans
/// writes its 64 snapshots as one upsert over arrays instead of 64, so PostgreSQL parses, plans and
/// executes one. The rows are what Marten's own upsert of a <see cref="Shipment"/> would write (its
/// JSON from the store's serializer, the duplicated columns of <see cref="TrackTraceStore"/>), so
/// every Marten read and query of shipments is unchanged; <c>ShipmentSnapshotsTests</c> holds the
/// two together.
/// </summary>
public sealed class ShipmentSnapshots
{
    private readonly ISerializer _serializer;
    private readonly string _upsert;

    public ShipmentSnapshots(IDocumentStore store)
    {
        _serializer = store.Options.Serializer();
        var names = new StoreNames(store.Options);
        var columns = string.Join(", ", StoreNames.ShipmentDuplicatedColumns);
        var updates = string.Join(", ", new[] { StoreNames.DataColumn, StoreNames.VersionColumn, StoreNames.LastModifiedColumn }
            .Concat(StoreNames.ShipmentDuplicatedColumns).Select(c => $"{c} = excluded.{c}"));
        _upsert =
            $"insert into {names.Shipments} ({StoreNames.IdColumn}, {StoreNames.DataColumn}, {StoreNames.VersionColumn}, " +
            $"{StoreNames.DotNetTypeColumn}, {StoreNames.LastModifiedColumn}, {columns}) " +
            $"select s.id, s.data, gen_random_uuid(), '{typeof(Shipment).FullName}', transaction_timestamp(), {columns} " +
            "from unnest(?::varchar[], ?::jsonb[], ?::varchar[], ?::varchar[], ?::integer[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[]) " +
            $"as s(id, data, {columns}) " +
            $"on conflict ({StoreNames.IdColumn}) do update set {updates}";
    }

    /// <summary>Queues the one statement that stores these snapshots (at most one per shipment).</summary>
    public void Queue(IDocumentOperations session, IReadOnlyCollection<Shipment> snapshots)
    {
        if (snapshots.Count == 0)
        {
            return;
        }

        // The order of StoreNames.ShipmentDuplicatedColumns.
        session.QueueSqlCommand(_upsert,
            snapshots.Select(s => s.Id).ToArray(),
            snapshots.Select(s => _serializer.ToJson(s)).ToArray(),
            snapshots.Select(s => s.Status.ToString()).ToArray(),
            snapshots.Select(s => s.RouteId).ToArray(),
            snapshots.Select(s => s.AnomalyCount).ToArray(),
            snapshots.Select(s => s.NextDueAt?.ToUniversalTime()).ToArray(),
            snapshots.Select(s => s.OverdueSince?.ToUniversalTime()).ToArray(),
            snapshots.Select(s => s.UpdatedAt.ToUniversalTime()).ToArray());
    }
}
