using System.Net;
using Npgsql;
using NpgsqlTypes;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Monitoring;

/// <summary>What one instance saw of one certificate from one address since its last flush.</summary>
public sealed record SightingBatchRow(
    string Fingerprint, IPAddress Address, string DeviceId, string? StationId, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    long Requests);

/// <summary>Scans of one scanner in one calendar minute, seen by one instance since its last flush.</summary>
public sealed record ScanTally(string DeviceId, DateTimeOffset Minute, int Scans);

/// <summary>A certificate's spell from an address this flush wrote, and another address's spell that overlaps it.</summary>
public sealed record CloneCandidate(string DeviceId, AddressSpell Used, AddressSpell Other, DateTimeOffset? WatchedFrom);

/// <summary>A scanner whose scans in a minute went over the limit with this flush (it crossed once, in one flush).</summary>
public sealed record ScanRateCrossing(string DeviceId, DateTimeOffset Minute, int Scans);

/// <summary>One certificate and address as the device view shows it.</summary>
public sealed record DeviceSighting(string Address, string Fingerprint, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt, long Requests);

/// <summary>
/// The sightings tables (<see cref="SightingTables"/>) in SQL. A flush is one batch in one implicit
/// transaction, one round trip: lock the certificates' rows (in order, so flushes never deadlock),
/// upsert the sightings with their spells, find other addresses whose spells overlap the ones just
/// written (it sees what other instances committed before it got the locks), add the scan counts.
/// </summary>
public sealed class SightingLedger(NpgsqlDataSource dataSource)
{
    private const string LockCertificates =
        $"insert into {SightingTables.CertificateUses} as c (fingerprint, device_id, first_seen, last_seen) " +
        "select f, d, fs, ls from unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) as b(f, d, fs, ls) order by f " +
        "on conflict (fingerprint) do update set device_id = excluded.device_id, " +
        "first_seen = least(c.first_seen, excluded.first_seen), last_seen = greatest(c.last_seen, excluded.last_seen)";

    // A use later than the clone window after the last one starts a new spell, and so does the first use after a resume.
    private const string Upsert =
        $"insert into {SightingTables.Sightings} as s (fingerprint, address, device_id, first_seen, last_seen, spell_start, requests) " +
        "select f, a, d, fs, ls, fs, n from unnest($1::text[], $2::inet[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::bigint[]) " +
        "as b(f, a, d, fs, ls, n) order by f, a " +
        "on conflict (fingerprint, address) do update set device_id = excluded.device_id, " +
        "first_seen = least(s.first_seen, excluded.first_seen), " +
        "spell_start = case when s.spell_start is null or excluded.first_seen > s.last_seen + $7 then excluded.first_seen " +
        "else least(s.spell_start, excluded.first_seen) end, " +
        "last_seen = greatest(s.last_seen, excluded.last_seen), requests = s.requests + excluded.requests";

    // Narrows to overlapping spells after the device's last resume; CertificateClones decides.
    private const string Overlapping =
        "select u.device_id, u.address, u.spell_start, u.last_seen, o.address, o.spell_start, o.last_seen, w.watched_from " +
        "from unnest($1::text[], $2::inet[]) as t(f, a) " +
        $"join {SightingTables.Sightings} u on u.fingerprint = t.f and u.address = t.a " +
        $"join {SightingTables.Sightings} o on o.fingerprint = u.fingerprint and o.address <> u.address " +
        $"left join {SightingTables.Watch} w on w.device_id = u.device_id " +
        "where o.spell_start <= u.last_seen and u.spell_start <= o.last_seen " +
        "and o.last_seen >= coalesce(w.watched_from, '-infinity') and u.last_seen >= coalesce(w.watched_from, '-infinity')";

    private const string CountScans =
        $"insert into {SightingTables.ScanMinutes} as m (device_id, minute, scans) " +
        "select d, t, n from unnest($1::text[], $2::timestamptz[], $3::integer[]) as b(d, t, n) order by d, t " +
        "on conflict (device_id, minute) do update set scans = m.scans + excluded.scans returning device_id, minute, scans";

    private const string WatchedFrom = $"select watched_from from {SightingTables.Watch} where device_id = $1";

    private const string Recent =
        $"select host(address), fingerprint, first_seen, last_seen, requests from {SightingTables.Sightings} " +
        "where device_id = $1 order by last_seen desc limit $2";

    // The newest sighting of each device on a page, one probe of (device_id, last_seen) per device.
    private const string LastAddresses =
        "select d, l.address, l.last_seen from unnest($1::text[]) as d " +
        $"cross join lateral (select host(address) as address, last_seen from {SightingTables.Sightings} " +
        "where device_id = d order by last_seen desc limit 1) l";

    /// <summary>Writes one flush; what it found for the rules comes back (candidates only when asked for).</summary>
    public async Task<(IReadOnlyList<CloneCandidate> Clones, IReadOnlyList<ScanRateCrossing> Crossings)> WriteAsync(
        IReadOnlyList<SightingBatchRow> sightings, IReadOnlyList<ScanTally> scans, TimeSpan cloneWindow, bool findClones,
        int? maxScansPerMinute, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        if (sightings.Count > 0)
        {
            var certificates = sightings.GroupBy(s => s.Fingerprint).Select(g => (
                Fingerprint: g.Key, g.OrderBy(s => s.LastSeen).Last().DeviceId, First: g.Min(s => s.FirstSeen), Last: g.Max(s => s.LastSeen))).ToArray();
            batch.BatchCommands.Add(Command(LockCertificates,
                certificates.Select(c => c.Fingerprint).ToArray(), certificates.Select(c => c.DeviceId).ToArray(),
                certificates.Select(c => c.First).ToArray(), certificates.Select(c => c.Last).ToArray()));
            batch.BatchCommands.Add(Command(Upsert,
                sightings.Select(s => s.Fingerprint).ToArray(), sightings.Select(s => s.Address).ToArray(),
                sightings.Select(s => s.DeviceId).ToArray(), sightings.Select(s => s.FirstSeen).ToArray(),
                sightings.Select(s => s.LastSeen).ToArray(), sightings.Select(s => s.Requests).ToArray(), cloneWindow));
            if (findClones)
            {
                batch.BatchCommands.Add(Command(Overlapping,
                    sightings.Select(s => s.Fingerprint).ToArray(), sightings.Select(s => s.Address).ToArray()));
            }
        }

        var counting = scans.Count > 0 && maxScansPerMinute is not null;
        if (counting)
        {
            batch.BatchCommands.Add(Command(CountScans,
                scans.Select(s => s.DeviceId).ToArray(), scans.Select(s => s.Minute).ToArray(), scans.Select(s => s.Scans).ToArray()));
        }

        var clones = new List<CloneCandidate>();
        var crossings = new List<ScanRateCrossing>();
        if (batch.BatchCommands.Count == 0)
        {
            return (clones, crossings);
        }

        // Statements without rows (the two upserts) have no result set: the reader starts at the first that has one.
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (sightings.Count > 0 && findClones)
        {
            while (await reader.ReadAsync(ct))
            {
                clones.Add(new CloneCandidate(reader.GetString(0),
                    new AddressSpell(reader.GetFieldValue<IPAddress>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)),
                    new AddressSpell(reader.GetFieldValue<IPAddress>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)));
            }

            await reader.NextResultAsync(ct);
        }

        if (counting)
        {
            var added = scans.ToDictionary(s => (s.DeviceId, s.Minute), s => s.Scans);
            while (await reader.ReadAsync(ct))
            {
                var (device, minute, total) = (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2));
                if (total > maxScansPerMinute && total - added.GetValueOrDefault((device, minute)) <= maxScansPerMinute)
                {
                    crossings.Add(new ScanRateCrossing(device, minute, total));
                }
            }
        }

        return (clones, crossings);
    }

    /// <summary>Since when the clone rule counts the device's uses: its last resume, or null (always).</summary>
    public async Task<DateTimeOffset?> WatchedFromAsync(string deviceId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(WatchedFrom);
        command.Parameters.AddWithValue(deviceId);
        return await command.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    public async Task<IReadOnlyList<DeviceSighting>> RecentAsync(string deviceId, int max, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(Recent);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(max);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new List<DeviceSighting>();
        while (await reader.ReadAsync(ct))
        {
            found.Add(new DeviceSighting(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt64(4)));
        }

        return found;
    }

    /// <summary>The source address each device was last seen from, and when (devices never seen are left out).</summary>
    public async Task<IReadOnlyDictionary<string, (string Address, DateTimeOffset At)>> LastAddressesAsync(
        IReadOnlyList<string> deviceIds, CancellationToken ct)
    {
        var found = new Dictionary<string, (string, DateTimeOffset)>(StringComparer.Ordinal);
        if (deviceIds.Count == 0)
        {
            return found;
        }

        await using var command = dataSource.CreateCommand(LastAddresses);
        command.Parameters.AddWithValue(deviceIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found[reader.GetString(0)] = (reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
        }

        return found;
    }

    /// <summary>Forgets sightings and certificate uses last seen before <paramref name="before"/>, and scan counts of past hours.</summary>
    public async Task ForgetAsync(DateTimeOffset before, DateTimeOffset scansBefore, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command($"delete from {SightingTables.Sightings} where last_seen < $1", before),
                Command($"delete from {SightingTables.CertificateUses} where last_seen < $1", before),
                Command($"delete from {SightingTables.ScanMinutes} where minute < $1", scansBefore),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                IPAddress[] addresses => new NpgsqlParameter { Value = addresses, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Inet },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        return command;
    }
}
