using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace TrackTrace.Bench;

/// <summary>
/// The ceiling of one durable commit per row on this machine, measured by PostgreSQL's own pgbench
/// against the benchmark's server in the same run: 16 clients, each transaction a single-row insert.
/// With what each insert cost PostgreSQL (CPU, WAL) read the same way as a scan's.
/// </summary>
public static partial class PgBench
{
    private const string Table = "bench_pgbench_rows";

    public static async Task<object> SingleInsertAsync(string connectionString, TimeSpan duration)
    {
        var pgbench = Find();
        if (pgbench is null)
        {
            return new { skipped = "pgbench not found (it comes with PostgreSQL's binaries)" };
        }

        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using (var create = db.CreateCommand($"drop table if exists {Table}; create table {Table} (id bigserial primary key, payload text not null)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var script = Path.Combine(Path.GetTempPath(), $"tracktrace-pgbench-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(script, $"insert into {Table} (payload) values ('check-in');\n");
        var seconds = Math.Max(5, (int)duration.TotalSeconds);
        var start = new ProcessStartInfo(pgbench)
        {
            ArgumentList = { "-n", "-M", "prepared", "-c", "16", "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script,
                "-h", cs.Host!, "-p", cs.Port.ToString(CultureInfo.InvariantCulture), "-U", cs.Username!, cs.Database! },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The password reaches pgbench in its environment, never on a command line.
        start.Environment["PGPASSWORD"] = cs.Password ?? "";
        // Read while pgbench's backends are alive: a backend that has exited but that the postmaster
        // has not reaped yet is in neither its children's times nor its own, and 16 of them ending at
        // once lost most of the CPU (runs gave 0.009 to 0.38 ms an insert). Inserts are counted by the
        // table's sequence between the two readings.
        await using var inserted = db.CreateCommand($"select last_value from {Table}_id_seq");
        var cost = new ScanCost(connectionString, 0);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var margin = TimeSpan.FromSeconds(seconds / 5.0);
        await Task.Delay(margin);
        var before = await cost.StartAsync();
        var firstId = Convert.ToInt64(await inserted.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        await Task.Delay(TimeSpan.FromSeconds(seconds) - 2 * margin);
        var lastId = Convert.ToInt64(await inserted.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        var after = await cost.ReadAsync();
        await process.WaitForExitAsync();
        File.Delete(script);
        var tps = Tps().Match(await output);
        if (process.ExitCode != 0 || !tps.Success)
        {
            return new { failed = $"pgbench exited {process.ExitCode}: {(await errors).Trim()}" };
        }

        var perInsert = await cost.PerScanAsync(before, after, lastId - firstId);
        var cpu = (Dictionary<string, double>)perInsert["cpuMsPerScan"];
        return new
        {
            clients = 16,
            seconds,
            tps = Math.Round(double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture)),
            postgresCpuMsPerInsert = cpu["postgres"],
            walBytesPerInsert = perInsert["walBytesPerScan"],
            machineBusyPercent = perInsert["machineBusyPercent"],
            loadAverage = perInsert["loadAverage"],
        };
    }

    private static string? Find() =>
        new[] { "/usr/bin/pgbench" }.Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "pgbench"))
                : [])
            .FirstOrDefault(File.Exists);

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex Tps();
}
