using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace TrackTrace.Bench;

/// <summary>
/// What one accepted scan costs, from the processes' and PostgreSQL's own counters read at the start
/// and the end of a measured window: CPU of the service, of PostgreSQL, of RabbitMQ and of this load
/// generator (/proc/&lt;pid&gt;/stat utime+stime), and the statements, rows, commits and WAL bytes in
/// PostgreSQL (pg_stat_statements, pg_stat_database, pg_current_wal_lsn).
/// </summary>
/// <remarks>
/// PostgreSQL's CPU is the postmaster's own and its reaped children's (cutime+cstime: backends that
/// ended inside the window are counted when the postmaster waits for them) plus every live child's
/// utime+stime, so short-lived backends are not lost. Run against a PostgreSQL that serves only this
/// benchmark; RabbitMQ (every beam.smp process) may be shared, and its figure then includes others' work.
/// With two services on one database (<paramref name="otherServicePid"/>) the service figure is both
/// processes': only one runs the subscriptions (publishing, EPCIS export) for the scans of both.
/// </remarks>
public sealed class ScanCost(string connectionString, int servicePid, Uri? serviceMetrics = null, int otherServicePid = 0)
{
    /// <summary>The service's Npgsql meter on /metrics: commands executed (each one round trip) and bytes each way.</summary>
    private static readonly string[] NpgsqlCounters =
        ["npgsql_db_client_commands_duration_count", "npgsql_db_client_commands_bytes_written", "npgsql_db_client_commands_bytes_read"];

    /// <summary>The runtime's GC meter on /metrics: bytes allocated, collections (all, and of gen1 and gen2 alone) and pause seconds.</summary>
    private static readonly string[] GcCounters =
    [
        "system_runtime_dotnet_gc_heap_total_allocated", "system_runtime_dotnet_gc_collections",
        "system_runtime_dotnet_gc_collections{gc_heap_generation=\"gen1\"}", "system_runtime_dotnet_gc_collections{gc_heap_generation=\"gen2\"}",
        "system_runtime_dotnet_gc_pause_time",
    ];

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static readonly double TicksPerMs = 100 / 1000.0; // USER_HZ is 100 on Linux

    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(connectionString);
    private bool? _statements;

    public sealed record Counters(
        long Service, long Postgres, long Rabbit, double BenchMs, long MachineBusy, long MachineTotal, double LoadAverage,
        string WalLsn, Dictionary<string, long> Database, Dictionary<string, double> Client, DateTime At);

    /// <summary>pg_stat_statements is there only when the server preloads it (scripts/infra.sh does; a restart applies it).</summary>
    public async Task<bool> StatementsAvailableAsync()
    {
        if (_statements is { } known)
        {
            return known;
        }

        try
        {
            await using var create = _db.CreateCommand("create extension if not exists pg_stat_statements");
            await create.ExecuteNonQueryAsync();
            await using var probe = _db.CreateCommand("select count(*) from pg_stat_statements");
            await probe.ExecuteScalarAsync();
            _statements = true;
        }
        catch (PostgresException)
        {
            _statements = false;
        }

        return _statements.Value;
    }

    public async Task<Counters> StartAsync()
    {
        if (await StatementsAvailableAsync())
        {
            await using var reset = _db.CreateCommand("select pg_stat_statements_reset()");
            await reset.ExecuteNonQueryAsync();
        }

        return await ReadAsync();
    }

    public async Task<Counters> ReadAsync()
    {
        await using var connection = await _db.OpenConnectionAsync();
        await using var ids = new NpgsqlCommand("select pg_backend_pid(), pg_current_wal_lsn()::text", connection);
        int backend;
        string lsn;
        await using (var reader = await ids.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            backend = reader.GetInt32(0);
            lsn = reader.GetString(1);
        }

        var database = new Dictionary<string, long>();
        await using (var stats = new NpgsqlCommand(
                         "select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned, tup_fetched, blks_hit, blks_read " +
                         "from pg_stat_database where datname = current_database()", connection))
        await using (var reader = await stats.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                database[reader.GetName(i)] = reader.GetInt64(i);
            }
        }

        var client = await ClientCountersAsync();
        var postmaster = Stat(backend) is { } b ? b.Parent : 0;
        var (busy, total) = Machine();
        var service = (Stat(servicePid)?.Ticks ?? 0) + (otherServicePid > 0 ? Stat(otherServicePid)?.Ticks ?? 0 : 0);
        return new Counters(service, PostgresTicks(postmaster), BeamTicks(),
            Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds, busy, total, EpcisBench.LoadAverage(), lsn, database,
            client, DateTime.UtcNow);
    }

    /// <summary>The window's cost per accepted scan, and the statements that ran in it.</summary>
    public async Task<Dictionary<string, object>> PerScanAsync(Counters start, Counters end, long accepted)
    {
        var scans = Math.Max(1, accepted);
        double Ms(long ticks) => Math.Round(ticks / TicksPerMs / scans, 3);
        var service = Ms(end.Service - start.Service);
        var postgres = Ms(end.Postgres - start.Postgres);
        var rabbit = Ms(end.Rabbit - start.Rabbit);
        var bench = Math.Round((end.BenchMs - start.BenchMs) / scans, 3);
        var machine = Ms(end.MachineBusy - start.MachineBusy);
        var seconds = (end.At - start.At).TotalSeconds;
        var result = new Dictionary<string, object>
        {
            ["acceptedScans"] = accepted,
            ["windowSeconds"] = Math.Round(seconds, 1),
            ["loadAverage"] = new[] { start.LoadAverage, end.LoadAverage },
            ["machineBusyPercent"] = Math.Round(100.0 * (end.MachineBusy - start.MachineBusy) / Math.Max(1, end.MachineTotal - start.MachineTotal), 1),
            ["cpuMsPerScan"] = new Dictionary<string, double>
            {
                ["service"] = service,
                ["postgres"] = postgres,
                ["servicePlusPostgres"] = Math.Round(service + postgres, 3),
                ["rabbitmq"] = rabbit,
                ["loadGenerator"] = bench,
                ["machine"] = machine,
                ["otherProcesses"] = Math.Round(machine - service - postgres - rabbit - bench, 3),
            },
        };

        var db = new Dictionary<string, double>();
        foreach (var (name, value) in end.Database)
        {
            db[name] = Math.Round((double)(value - start.Database[name]) / scans, 3);
        }

        result["postgresPerScan"] = db;
        if (end.Client.Count > 0)
        {
            double Delta(string name) => end.Client.GetValueOrDefault(name) - start.Client.GetValueOrDefault(name);
            double Per(string name) => Math.Round(Delta(name) / scans, 2);
            double PerThousand(string name) => Math.Round(Delta(name) * 1000 / scans, 2);
            result["serviceNpgsqlPerScan"] = new
            {
                commands = Per(NpgsqlCounters[0]), bytesWritten = Per(NpgsqlCounters[1]), bytesRead = Per(NpgsqlCounters[2]),
            };
            result["serviceGcPerScan"] = new
            {
                allocatedBytes = Math.Round(Delta(GcCounters[0]) / scans),
                collectionsPerThousand = PerThousand(GcCounters[1]),
                gen1PerThousand = PerThousand(GcCounters[2]),
                gen2PerThousand = PerThousand(GcCounters[3]),
                pauseMs = Math.Round(Delta(GcCounters[4]) * 1000 / scans, 4),
            };
        }

        await using (var wal = _db.CreateCommand("select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)"))
        {
            wal.Parameters.AddWithValue(end.WalLsn);
            wal.Parameters.AddWithValue(start.WalLsn);
            result["walBytesPerScan"] = Math.Round(Convert.ToDouble(await wal.ExecuteScalarAsync(), CultureInfo.InvariantCulture) / scans);
        }

        if (await StatementsAvailableAsync())
        {
            result["statements"] = await StatementsAsync(scans);
        }

        return result;
    }

    /// <summary>pg_stat_statements of the benchmark's database since the reset: per scan, most expensive first.</summary>
    private async Task<object> StatementsAsync(long scans)
    {
        await using var command = _db.CreateCommand(
            "select s.query, s.calls, s.rows, s.total_exec_time, s.wal_bytes from pg_stat_statements s " +
            "join pg_database d on d.oid = s.dbid where d.datname = 'tracktrace_bench' order by s.total_exec_time desc");
        var rows = new List<Dictionary<string, object>>();
        double calls = 0, returned = 0, execMs = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (c, r, ms) = (reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3));
            calls += c;
            returned += r;
            execMs += ms;
            if (rows.Count < 15)
            {
                var query = reader.GetString(0).ReplaceLineEndings(" ");
                rows.Add(new Dictionary<string, object>
                {
                    ["query"] = query.Length > 160 ? query[..160] + "…" : query,
                    ["callsPerScan"] = Math.Round(c / (double)scans, 3),
                    ["rowsPerScan"] = Math.Round(r / (double)scans, 3),
                    ["execMsPerScan"] = Math.Round(ms / scans, 4),
                    ["walBytesPerScan"] = Math.Round(Convert.ToDouble(reader.GetValue(4), CultureInfo.InvariantCulture) / scans),
                });
            }
        }

        return new
        {
            callsPerScan = Math.Round(calls / scans, 3),
            rowsPerScan = Math.Round(returned / scans, 3),
            execMsPerScan = Math.Round(execMs / scans, 4),
            top = rows,
        };
    }

    private async Task<Dictionary<string, double>> ClientCountersAsync()
    {
        var sums = new Dictionary<string, double>();
        if (serviceMetrics is null)
        {
            return sums;
        }

        try
        {
            foreach (var line in (await Http.GetStringAsync(serviceMetrics)).Split('\n'))
            {
                // A name sums every line of its metric (all label sets); one that names a label set takes that line alone.
                foreach (var name in NpgsqlCounters.Concat(GcCounters).Where(n =>
                             line.StartsWith(n + "{", StringComparison.Ordinal) || line.StartsWith(n + " ", StringComparison.Ordinal)))
                {
                    if (double.TryParse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture, out var value))
                    {
                        sums[name] = sums.GetValueOrDefault(name) + value;
                    }
                }
            }
        }
        catch (HttpRequestException)
        {
        }

        return sums;
    }

    private sealed record ProcStat(int Parent, long Ticks, long ChildTicks);

    /// <summary>Fields of /proc/&lt;pid&gt;/stat after the command name: ppid, utime+stime, cutime+cstime.</summary>
    private static ProcStat? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            return new ProcStat((int)L(1), L(11) + L(12), L(13) + L(14));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture));

    private static long PostgresTicks(int postmaster)
    {
        if (postmaster <= 1 || Stat(postmaster) is not { } main)
        {
            return 0;
        }

        var total = main.Ticks + main.ChildTicks;
        foreach (var pid in Pids())
        {
            if (pid != postmaster && Stat(pid) is { } child && child.Parent == postmaster)
            {
                total += child.Ticks;
            }
        }

        return total;
    }

    private static long BeamTicks()
    {
        var total = 0L;
        foreach (var pid in Pids())
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/comm").Trim() == "beam.smp" && Stat(pid) is { } beam)
                {
                    total += beam.Ticks;
                }
            }
            catch (IOException)
            {
            }
        }

        return total;
    }

    private static (long Busy, long Total) Machine()
    {
        var all = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (all.Sum() - all[3] - all[4], all.Sum());
    }
}
