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
        await using (var db = NpgsqlDataSource.Create(connectionString))
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
        var cost = new ScanCost(connectionString, 0);
        var before = await cost.StartAsync();
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var after = await cost.ReadAsync();
        File.Delete(script);
        var tps = Tps().Match(output);
        if (process.ExitCode != 0 || !tps.Success)
        {
            return new { failed = $"pgbench exited {process.ExitCode}: {errors.Trim()}" };
        }

        var transactions = long.Parse(Processed().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var perInsert = await cost.PerScanAsync(before, after, transactions);
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

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex Processed();
}
