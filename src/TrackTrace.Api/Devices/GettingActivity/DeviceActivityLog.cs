using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Npgsql;
using TrackTrace.Api.Shipments;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Shipments;
using Weasel.Postgresql.Tables;

namespace TrackTrace.Api.Devices.GettingActivity;

/// <summary>One scan of a device as its page lists it: which shipment, where, what became of it.</summary>
public sealed record DeviceScanView(DateTimeOffset At, string ShipmentId, string StationId, string Outcome, Guid ScanId);

/// <summary>One temperature reading a sensor posted, for which shipment.</summary>
public sealed record DeviceReadingView(DateTimeOffset At, string ShipmentId, double Celsius, string? Exception);

/// <summary>
/// What a device did lately, by device: the shipment facts its scans made live in the event store,
/// where nothing finds them by device, so each is also a row here keyed by device and time, written
/// in the fact's own transaction (inline, no extra round trip). Readings are found through
/// their table's (sensor, time) index.
/// </summary>
public static class DeviceActivityLog
{
    public const string Scans = TrackTraceStore.Schema + ".device_scans";

    public static Table Table()
    {
        var scans = new Table(Scans);
        // One index a row: the key (a fact's time never changes, so a fact written again still conflicts)
        // is also the device page's order, newest first.
        scans.AddColumn("device_id", "text").AsPrimaryKey();
        scans.AddColumn("at", "timestamptz").AsPrimaryKey();
        scans.AddColumn("event_id", "uuid").AsPrimaryKey();
        scans.AddColumn("shipment_id", "text").NotNull();
        scans.AddColumn("station_id", "text").NotNull();
        scans.AddColumn("outcome", "text").NotNull();
        scans.AddColumn("scan_id", "uuid").NotNull();
        return scans;
    }

    private const string RecentScans =
        $"select at, shipment_id, station_id, outcome, scan_id from {Scans} where device_id = $1 order by at desc limit $2";

    private const string RecentReadings =
        $"select at, shipment_id, celsius, exception from {ColdChainTables.Readings} where sensor_id = $1 order by at desc limit $2";

    public static async Task<IReadOnlyList<DeviceScanView>> RecentScansAsync(NpgsqlDataSource db, string deviceId, int max, CancellationToken ct)
    {
        await using var command = db.CreateCommand(RecentScans);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(max);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new List<DeviceScanView>();
        while (await reader.ReadAsync(ct))
        {
            found.Add(new DeviceScanView(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetGuid(4)));
        }

        return found;
    }

    public static async Task<IReadOnlyList<DeviceReadingView>> RecentReadingsAsync(NpgsqlDataSource db, string deviceId, int max, CancellationToken ct)
    {
        await using var command = db.CreateCommand(RecentReadings);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(max);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new List<DeviceReadingView>();
        while (await reader.ReadAsync(ct))
        {
            found.Add(new DeviceReadingView(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return found;
    }
}

/// <summary>
/// Every shipment fact a scan made becomes a row of <see cref="DeviceActivityLog.Scans"/>, in its own
/// transaction: all the rows of one transaction (a group commit carries many scans) go in one statement.
/// </summary>
public sealed class DeviceScanProjection : IProjection
{
    private const string Insert =
        $"insert into {DeviceActivityLog.Scans} (device_id, event_id, at, shipment_id, station_id, outcome, scan_id) " +
        "select * from unnest(?::text[], ?::uuid[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::uuid[]) on conflict do nothing";

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var rows = events.Select(Row).OfType<Scan>().ToArray();
        if (rows.Length > 0)
        {
            operations.QueueSqlCommand(Insert,
                rows.Select(r => r.Device).ToArray(),
                rows.Select(r => r.EventId).ToArray(),
                rows.Select(r => r.At.ToUniversalTime()).ToArray(),
                rows.Select(r => r.Shipment).ToArray(),
                rows.Select(r => r.Station).ToArray(),
                rows.Select(r => r.Outcome).ToArray(),
                rows.Select(r => r.ScanId).ToArray());
        }

        return Task.CompletedTask;
    }

    private sealed record Scan(string Device, Guid EventId, DateTimeOffset At, string Shipment, string Station, string Outcome, Guid ScanId);

    /// <summary>The row a fact makes, when a scan made it; every fact of the session comes through here.</summary>
    private static Scan? Row(IEvent e) => e.Data switch
    {
        StationCheckedIn c => new(c.DeviceId, e.Id, c.ScannedAt, c.ShipmentId, c.StationId, $"checked in, leg {c.LegNumber}", c.ScanId),
        OutOfSequenceScanRecorded o => new(o.DeviceId, e.Id, o.ScannedAt, o.ShipmentId, o.StationId, "out of sequence", o.ScanId),
        ReturnCheckedIn r => new(r.DeviceId, e.Id, r.ScannedAt, r.ShipmentId, r.StationId, "checked in after the refusal", r.ScanId),
        DeliveryRefused d => new(d.DeviceId, e.Id, d.RefusedAt, d.ShipmentId, d.StationId, "delivery refused", d.ScanId),
        _ => null,
    };
}
