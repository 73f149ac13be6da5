using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Devices;
using Weasel.Postgresql.Tables;

namespace TrackTrace.Api.Monitoring;

/// <summary>
/// Where devices are used from: operational telemetry shared by every instance, not audited facts
/// (there are far too many requests for a fact each). Written in batches by <see cref="SightingLedger"/>;
/// created with the rest of the schema at start-up.
/// </summary>
public static class SightingTables
{
    /// <summary>One row per certificate and source address: first and last seen, the current spell, how many requests.</summary>
    public const string Sightings = TrackTraceStore.Schema + ".device_sightings";

    /// <summary>
    /// One row per certificate: first and last use. A flush takes this row's lock first, so two
    /// instances flushing the two halves of a clone take turns and the second sees the first's.
    /// </summary>
    public const string CertificateUses = TrackTraceStore.Schema + ".certificate_uses";

    /// <summary>Scans per scanner and calendar minute, summed over the instances.</summary>
    public const string ScanMinutes = TrackTraceStore.Schema + ".device_scan_minutes";

    /// <summary>Since when a device's sightings count for the clone rule: its last resume.</summary>
    public const string Watch = TrackTraceStore.Schema + ".device_watch";

    public static IEnumerable<Table> All()
    {
        var sightings = new Table(Sightings);
        sightings.AddColumn("fingerprint", "text").AsPrimaryKey();
        sightings.AddColumn("address", "inet").AsPrimaryKey();
        sightings.AddColumn("device_id", "text").NotNull();
        sightings.AddColumn("first_seen", "timestamptz").NotNull();
        sightings.AddColumn("last_seen", "timestamptz").NotNull();
        // Start of the current run of uses with no gap longer than the clone window; null after the
        // device was resumed, until its next use from this address.
        sightings.AddColumn("spell_start", "timestamptz");
        sightings.AddColumn("requests", "bigint").NotNull();
        sightings.Indexes.Add(new IndexDefinition("ix_device_sightings_device") { Columns = ["device_id", "last_seen"] });
        yield return sightings;

        var uses = new Table(CertificateUses);
        uses.AddColumn("fingerprint", "text").AsPrimaryKey();
        uses.AddColumn("device_id", "text").NotNull();
        uses.AddColumn("first_seen", "timestamptz").NotNull();
        uses.AddColumn("last_seen", "timestamptz").NotNull();
        yield return uses;

        var scans = new Table(ScanMinutes);
        scans.AddColumn("device_id", "text").AsPrimaryKey();
        scans.AddColumn("minute", "timestamptz").AsPrimaryKey();
        scans.AddColumn("scans", "integer").NotNull();
        yield return scans;

        var watch = new Table(Watch);
        watch.AddColumn("device_id", "text").AsPrimaryKey();
        watch.AddColumn("watched_from", "timestamptz").NotNull();
        yield return watch;
    }
}

/// <summary>
/// A resume is the clone rule's new start for the device, in the resume's own transaction: its
/// spells end (the next use from an address starts a new one) and uses before it no longer count, so
/// the sightings that caused a suspension cannot cause the next one once an admin has resumed it.
/// </summary>
public sealed partial class DeviceWatchProjection : EventProjection
{
    private const string Watched =
        $"insert into {SightingTables.Watch} (device_id, watched_from) values (?, ?) " +
        "on conflict (device_id) do update set watched_from = greatest(device_watch.watched_from, excluded.watched_from)";

    private const string SpellsEnded = $"update {SightingTables.Sightings} set spell_start = null where device_id = ?";

    public DeviceWatchProjection() => IncludeType<DeviceResumed>();

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is DeviceResumed resumed)
        {
            operations.QueueSqlCommand(Watched, resumed.DeviceId, resumed.ResumedAt.ToUniversalTime());
            operations.QueueSqlCommand(SpellsEnded, resumed.DeviceId);
        }

        return ValueTask.CompletedTask;
    }
}
