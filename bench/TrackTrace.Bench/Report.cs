using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace TrackTrace.Bench;

/// <summary>Writes the run as JSON (bench/results/) and as the results table of BENCHMARKS.md.</summary>
public static class Report
{
    public const string Start = "<!-- results:start (written by scripts/bench.sh) -->";
    public const string End = "<!-- results:end -->";

    public static async Task WriteAsync(BenchOptions o, Dictionary<string, object> results)
    {
        var (json, file) = await SaveAsync(o, results, "bench", o.Quick ? "quick" : "full");

        var table = Table(JsonNode.Parse(json)!, Path.GetFileName(file));
        await ReplaceSectionAsync(o.ReportPath, Start, End, table);
        Console.WriteLine(table);
    }

    public const string TelemetryStart = "<!-- telemetry:start (written by scripts/bench.sh --telemetry) -->";
    public const string TelemetryEnd = "<!-- telemetry:end -->";

    /// <summary>OpenTelemetry export on vs off: the JSON and its own table in BENCHMARKS.md.</summary>
    public static async Task WriteTelemetryAsync(BenchOptions o, Dictionary<string, object> results)
    {
        var (json, file) = await SaveAsync(o, results, "bench", o.Quick ? "telemetry-quick" : "telemetry");

        var r = JsonNode.Parse(json)!;
        var m = r["machine"]!;
        var sb = new StringBuilder();
        sb.AppendLine($"Run {r["date"]} ({r["mode"]}, `{Path.GetFileName(file)}`): {m["cpu"]}, {m["cores"]} cores; .NET {m["dotnet"]}, {m["postgres"]}. " +
                      $"{r["setup"]!["scanners"]} scanners, {r["setup"]!["connections"]} keep-alive connections, {r["setup"]!["rounds"]} alternating rounds of {r["setup"]!["windowSeconds"]} s per service; " +
                      $"the exporting service sent {r["sink"]!["requests"]} OTLP requests ({r["sink"]!["bytes"]} bytes) to a sink that discards them.");
        sb.AppendLine();
        var compare = r["compare"]!.GetValue<bool>();
        sb.AppendLine(compare ? "| Round | This build | The other build |" : "| Round | Export off | Export on (traces + metrics over OTLP/HTTP) |");
        sb.AppendLine("|---|---|---|");
        string Cell(JsonNode x) =>
            $"{x["latencies"]!["perSecond"]} scans/s, p50 {x["latencies"]!["p50Ms"]} ms, p99 {x["latencies"]!["p99Ms"]} ms; CPU ms a scan: services {x["cost"]!["cpuMsPerScan"]!["service"]}, PostgreSQL {x["cost"]!["cpuMsPerScan"]!["postgres"]}; {x["cost"]!["walBytesPerScan"]} WAL bytes (load {x["cost"]!["loadAverage"]![0]})";
        var offs = r["exportOff"]!.AsArray();
        var ons = r["exportOn"]!.AsArray();
        for (var i = 0; i < offs.Count; i++)
        {
            sb.AppendLine($"| {i + 1} | {Cell(offs[i]!)} | {Cell(ons[i]!)} |");
        }

        sb.AppendLine($"| Mean | services {r["serviceCpuMsPerScan"]!["off"]}, PostgreSQL {r["postgresCpuMsPerScan"]!["off"]} CPU ms a scan | services {r["serviceCpuMsPerScan"]!["on"]}, PostgreSQL {r["postgresCpuMsPerScan"]!["on"]} CPU ms a scan; scans/s {r["onOverOff"]} of the first |");
        sb.AppendLine();
        var table = sb.ToString();
        if (compare)
        {
            // A before/after comparison of two builds is for a commit message, not for the report.
            Console.WriteLine(table);
            return;
        }

        await ReplaceSectionAsync(o.ReportPath, TelemetryStart, TelemetryEnd, table);
        Console.WriteLine(table);
    }

    public const string EnrollmentStart = "<!-- enrollment-results:start (written by scripts/bench.sh --enrollment) -->";
    public const string EnrollmentEnd = "<!-- enrollment-results:end -->";

    /// <summary>The enrollment scenarios' JSON and their own table in BENCHMARKS.md.</summary>
    public static async Task WriteEnrollmentAsync(BenchOptions o, Dictionary<string, object> results)
    {
        var (json, file) = await SaveAsync(o, results, "bench", o.Quick ? "enrollment-quick" : "enrollment");

        var r = JsonNode.Parse(json)!;
        double D(string path) => path.Split('.').Aggregate((JsonNode?)r, (n, p) => n?[p])!.GetValue<double>();
        var m = r["machine"]!;
        var sb = new StringBuilder();
        sb.AppendLine($"Run {r["date"]} ({r["mode"]}, `{Path.GetFileName(file)}`): {m["cpu"]}, {m["cores"]} cores, {m["os"]}; .NET {m["dotnet"]}, {m["postgres"]}. " +
                      "Service, PostgreSQL and this load generator share the machine.");
        sb.AppendLine();
        sb.AppendLine("| Scenario | Result |");
        sb.AppendLine("|---|---|");
        sb.AppendLine($"| E1. Enrollments: 32 devices at a time, each its own P-256 key, request and TLS connection | {D("enrollmentsPerSecond.perSecond"):0} enrollments/s; p50 {D("enrollmentsPerSecond.p50Ms"):0.0} ms, p99 {D("enrollmentsPerSecond.p99Ms"):0.0} ms; {D("enrollmentsPerSecond.errors"):0} errors |");
        sb.AppendLine($"| E2. A fleet of {D("fleet.devices"):0} devices enrolling at the same moment | all {D("fleet.enrolled"):0} hold certificates after {D("fleet.seconds"):0.0} s ({D("fleet.perSecond"):0}/s; half after {D("fleet.halfAfterSeconds"):0.0} s, 99% after {D("fleet.p99AfterSeconds"):0.0} s); {D("fleet.failedAttempts"):0} failed attempts, retried |");
        sb.AppendLine($"| Peak RSS of the service over the run | {D("service.peakRssMb"):0} MB |");
        sb.AppendLine();
        var table = sb.ToString();

        await ReplaceSectionAsync(o.ReportPath, EnrollmentStart, EnrollmentEnd, table);
        Console.WriteLine(table);
    }

    public const string EpcisStart = "<!-- epcis:start (written by scripts/bench.sh --epcis) -->";
    public const string EpcisEnd = "<!-- epcis:end -->";

    public static async Task WriteEpcisAsync(BenchOptions o, Dictionary<string, object> results)
    {
        var (json, file) = await SaveAsync(o, results, "epcis", o.Quick ? "quick" : "full");

        var table = EpcisBench.Table(JsonNode.Parse(json)!, Path.GetFileName(file));
        await ReplaceSectionAsync(o.ReportPath, EpcisStart, EpcisEnd, table, "## EPCIS repository\n\n");
        Console.WriteLine($"report: {o.ReportPath}");
    }

    public const string OverdueStart = "<!-- overdue:start (written by scripts/bench.sh --overdue) -->";
    public const string OverdueEnd = "<!-- overdue:end -->";

    /// <summary>The overdue monitor's run: JSON beside the others, and its own table in BENCHMARKS.md.</summary>
    public static async Task WriteOverdueAsync(BenchOptions o, Dictionary<string, object> results)
    {
        var (json, file) = await SaveAsync(o, results, "bench", o.Quick ? "overdue-quick" : "overdue");

        var r = JsonNode.Parse(json)!;
        double D(string path) => path.Split('.').Aggregate((JsonNode?)r, (n, p) => n?[p])!.GetValue<double>();
        var m = r["machine"]!;
        var table = new StringBuilder()
            .AppendLine($"Run {r["date"]} ({r["mode"]}, `{Path.GetFileName(file)}`): {m["cpu"]}, {m["cores"]} cores; {m["postgres"]}. " +
                        "The monitor runs in the load generator's process against the service's database, as a second instance would.")
            .AppendLine()
            .AppendLine("| Overdue monitor | Result |")
            .AppendLine("|---|---|")
            .AppendLine($"| Sweep with nothing due, {D("openShipments"):0} open shipments | p50 {D("idleSweep.p50Ms"):0.00} ms, max {D("idleSweep.maxMs"):0.00} ms |")
            .AppendLine($"| Scans over HTTPS (32 connections): alone before, while sweeping back to back ({D("sweepsDuringScans"):0} sweeps), alone after | {D("scansAloneBefore.perSecond"):0}, {D("scansWhileSweeping.perSecond"):0}, {D("scansAlone.perSecond"):0} scans/s (ratio {D("rateRatio"):0.00} to the mean alone); p99 {D("scansAloneBefore.p99Ms"):0.0}, {D("scansWhileSweeping.p99Ms"):0.0}, {D("scansAlone.p99Ms"):0.0} ms |")
            .AppendLine($"| One sweep recording {D("backlog.shipments"):0} overdue at once | {D("backlog.recorded"):0} recorded in {D("backlog.seconds"):0.0} s ({D("backlog.perSecond"):0}/s) |")
            .AppendLine($"| Scans meanwhile | {D("backlog.scans.perSecond"):0} scans/s (ratio {D("backlog.rateRatio"):0.00} to the mean alone); p99 {D("backlog.scans.p99Ms"):0.0} ms |")
            .AppendLine()
            .ToString();
        await ReplaceSectionAsync(o.ReportPath, OverdueStart, OverdueEnd, table);
        Console.WriteLine(table);
    }

    public const string ClusterStart = "<!-- cluster:start (written by scripts/bench.sh --cluster) -->";
    public const string ClusterEnd = "<!-- cluster:end -->";

    /// <summary>Scan ingestion through the balancer with two instances and with one.</summary>
    public static async Task WriteClusterAsync(BenchOptions o, Dictionary<string, object> results)
    {
        var (json, file) = await SaveAsync(o, results, "cluster", o.Quick ? "quick" : "full");
        var r = JsonNode.Parse(json)!;
        double D(string path) => path.Split('.').Aggregate((JsonNode?)r, (n, p) => n?[p])!.GetValue<double>();
        var m = r["machine"]!;
        var table = new StringBuilder()
            .AppendLine($"Run {r["date"]} ({r["mode"]}, `{Path.GetFileName(file)}`): {m["cpu"]}, {m["cores"]} cores; {m["postgres"]}. " +
                        $"HAProxy, the instances, PostgreSQL, the three RabbitMQ nodes and this load generator share the machine (load average {r["loadAverage"]} at the end).")
            .AppendLine()
            .AppendLine("| Through HAProxy (TCP, PROXY v2), 200 scanner certificates, 64 keep-alive connections | Accepted scans/s | p50 | p99 |")
            .AppendLine("|---|---|---|---|")
            .AppendLine($"| Two instances | {D("twoInstances.perSecond"):0} | {D("twoInstances.p50Ms"):0.0} ms | {D("twoInstances.p99Ms"):0.0} ms |")
            .AppendLine($"| One instance (the other killed; down in the balancer after {D("downAfterSeconds"):0.0} s) | {D("oneInstance.perSecond"):0} | {D("oneInstance.p50Ms"):0.0} ms | {D("oneInstance.p99Ms"):0.0} ms |")
            .AppendLine()
            .ToString();
        await ReplaceSectionAsync(o.ReportPath, ClusterStart, ClusterEnd, table, "## Through the balancer\n\n");
        Console.WriteLine(table);
    }

    public const string MonitoringStart = "<!-- monitoring:start (written by scripts/bench.sh --monitoring) -->";
    public const string MonitoringEnd = "<!-- monitoring:end -->";

    public static async Task WriteMonitoringAsync(BenchOptions o, Dictionary<string, object> results)
    {
        var (json, file) = await SaveAsync(o, results, "monitoring", o.Quick ? "quick" : "full");

        var table = MonitoringBench.Table(JsonNode.Parse(json)!, Path.GetFileName(file));
        await ReplaceSectionAsync(o.ReportPath, MonitoringStart, MonitoringEnd, table, "## Monitoring\n\n");
        Console.WriteLine(table);
    }

    /// <summary>The run's JSON in bench/results/ (machine, mode and date added); its text and path.</summary>
    private static async Task<(string Json, string File)> SaveAsync(BenchOptions o, Dictionary<string, object> results, string prefix, string mode)
    {
        results["machine"] = await MachineAsync(o);
        results["mode"] = mode;
        results["date"] = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(o.OutDirectory);
        var json = JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true });
        var file = Path.Combine(o.OutDirectory, $"{prefix}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{mode}.json");
        await File.WriteAllTextAsync(file, json);
        Console.WriteLine($"results: {file}");
        return (json, file);
    }

    /// <summary>Replaces what stands between the two markers in BENCHMARKS.md, or appends the section (after its heading) the first time.</summary>
    private static async Task ReplaceSectionAsync(string reportPath, string start, string end, string table, string heading = "")
    {
        var existing = File.Exists(reportPath) ? await File.ReadAllTextAsync(reportPath) : "# Benchmarks\n";
        var from = existing.IndexOf(start, StringComparison.Ordinal);
        var to = existing.IndexOf(end, StringComparison.Ordinal);
        var updated = from < 0 || to < from
            ? existing + $"\n{heading}{start}\n{table}{end}\n"
            : existing[..(from + start.Length)] + "\n" + table + existing[to..];
        await File.WriteAllTextAsync(reportPath, updated);
    }

    /// <summary>Issue 20: half of the 0.8-1.0 ms (service 0.3-0.5 + PostgreSQL 0.4-0.5) sampled before it.</summary>
    private const double ServicePlusPostgresTarget = 0.45;

    /// <summary>Issue 20's scan target: accepted scans a second in scenario 1.</summary>
    private const int ScansPerSecondTarget = 2_800;

    private static string Table(JsonNode r, string file)
    {
        double D(string path) => path.Split('.').Aggregate((JsonNode?)r, (n, p) => n?[p])!.GetValue<double>();
        string Ms(string path) => $"{D(path):0.0} ms";
        string Check(bool met) => met ? "met" : "**missed**";
        var m = r["machine"]!;
        var ratio = D("ingestionOverBaseline");
        var storeRatio = D("deviceStoreScale.meanRatio");
        var sb = new StringBuilder();
        sb.AppendLine($"Run {r["date"]} ({r["mode"]}, `{file}`): {m["cpu"]}, {m["cores"]} cores, {m["memoryGb"]} GiB, {m["os"]}; " +
                      $".NET {m["dotnet"]}, {m["postgres"]}, RabbitMQ {m["rabbitmq"]}. Service, PostgreSQL, RabbitMQ and this load generator share the machine.");
        sb.AppendLine();
        sb.AppendLine("| Scenario | Result | Target | |");
        sb.AppendLine("|---|---|---|---|");
        sb.AppendLine($"| 1. Scan ingestion: 200 scanner certificates, 64 keep-alive connections, accepted check-ins on {r["setup"]!["shipments"]} shipments | {D("scanIngestion.perSecond"):0} scans/s; p50 {Ms("scanIngestion.p50Ms")}, p95 {Ms("scanIngestion.p95Ms")}, p99 {Ms("scanIngestion.p99Ms")} | >= {ScansPerSecondTarget:N0}/s | {Check(D("scanIngestion.perSecond") >= ScansPerSecondTarget)} |");
        sb.AppendLine($"| 2. Baseline: the same check-ins through domain + Marten, 64 concurrent | {D("baseline.perSecond"):0} check-ins/s; p99 {Ms("baseline.p99Ms")} | | |");
        sb.AppendLine($"| (1) / (2): what HTTP, TLS and auth cost | {ratio:0.00} | >= 0.6 | {Check(ratio >= 0.6)} |");
        sb.AppendLine($"| Scan latency at 80% of the peak ({D("scanAt80Percent.perSecond"):0}/s paced) | p50 {Ms("scanAt80Percent.p50Ms")}, p99 {Ms("scanAt80Percent.p99Ms")} | p99 <= 50 ms | {Check(D("scanAt80Percent.p99Ms") <= 50)} |");
        if (r["requestFloor"] is not null)
        {
            sb.AppendLine($"| 1n. Request floor: GET /api/me, 64 keep-alive connections of staff devices (TLS, HTTP, the device's authentication, a small answer) | {D("requestFloor.perSecond"):0} requests/s; p50 {Ms("requestFloor.p50Ms")}, p99 {Ms("requestFloor.p99Ms")} | | |");
        }

        if (r["staffList"] is not null)
        {
            sb.AppendLine($"| 1s. Staff list, first page of 50 (all; in transit), one request at a time, {r["setup"]!["shipments"]} shipments and more | p50 {Ms("staffList.firstPage.p50Ms")}, p99 {Ms("staffList.firstPage.p99Ms")}; p50 {Ms("staffList.inTransit.p50Ms")}, p99 {Ms("staffList.inTransit.p99Ms")} | | |");
        }

        foreach (var (name, key) in new[]
                 {
                     ("an accepted scan (1", "scanIngestionCost"), ("an accepted scan (80%", "scanAt80PercentCost"),
                     ("a baseline check-in (2: its write path runs in the load generator; the service exports and publishes it", "baselineCost"),
                     ("a floor request (1n", "requestFloorCost"),
                 })
        {
            if (r[key] is not { } c)
            {
                continue;
            }

            var cpu = c["cpuMsPerScan"]!;
            var pg = c["postgresPerScan"]!;
            var statements = c["statements"] is { } s ? $", {s["callsPerScan"]} statements ({s["execMsPerScan"]} ms executing)" : "";
            var gc = c["serviceGcPerScan"] is { } g
                ? $"; service GC: {g["allocatedBytes"]!.GetValue<double>() / 1024:0.0} KB allocated, {g["collectionsPerThousand"]} collections a thousand ({g["gen1PerThousand"]} gen1, {g["gen2PerThousand"]} gen2), {g["pauseMs"]} ms paused"
                : "";
            sb.AppendLine($"| Cost of {name}; load average {c["loadAverage"]![0]}→{c["loadAverage"]![1]}, machine {c["machineBusyPercent"]}% busy) | " +
                          $"CPU ms: service {cpu["service"]}, PostgreSQL {cpu["postgres"]}, RabbitMQ {cpu["rabbitmq"]}, load generator {cpu["loadGenerator"]}, other processes {cpu["otherProcesses"]}; " +
                          $"PostgreSQL: {pg["xact_commit"]} commits, {pg["tup_inserted"]} rows inserted, {pg["tup_updated"]} updated, {c["walBytesPerScan"]} WAL bytes{statements}{gc} | " +
                          (key == "scanIngestionCost" ? $"service + PostgreSQL <= {ServicePlusPostgresTarget} ms | {Check(cpu["servicePlusPostgres"]!.GetValue<double>() <= ServicePlusPostgresTarget)}" : " | ") + " |");
        }

        if (r["requestFloorCost"]?["cpuMsPerScan"] is { } fc && r["baselineCost"]?["cpuMsPerScan"] is { } bc && r["scanIngestionCost"]?["cpuMsPerScan"] is { } sc)
        {
            double V(JsonNode n, string k) => n[k]!.GetValue<double>();
            var request = V(fc, "service") + V(fc, "loadGenerator");
            var parts = request + V(bc, "loadGenerator") + V(bc, "postgres") + V(bc, "service") + V(bc, "rabbitmq");
            var scan = V(sc, "machine") - V(sc, "otherProcesses");
            var cores = m["cores"]!.GetValue<int>();
            var budget = 1000.0 * cores / ScansPerSecondTarget; // every process's CPU a scan that the target leaves
            sb.AppendLine($"| The parts of a scan, from 1n and 2 (CPU ms) | {parts:0.000}: the request {request:0.000} (service {V(fc, "service")}, client {V(fc, "loadGenerator")}), " +
                          $"the write path {V(bc, "loadGenerator")}, its PostgreSQL {V(bc, "postgres")}, export and publish {V(bc, "service")}, RabbitMQ {V(bc, "rabbitmq")}; " +
                          $"scenario 1 took {scan:0.000} | <= {budget:0.000} for {ScansPerSecondTarget:N0}/s on {cores} cores | {Check(parts <= budget)} |");
        }

        if (r["pgbench"] is { } pgb && pgb["tps"] is not null)
        {
            sb.AppendLine($"| pgbench: durable single-row inserts, {pgb["clients"]} clients, same run | {pgb["tps"]} tps; PostgreSQL {pgb["postgresCpuMsPerInsert"]} CPU ms and {pgb["walBytesPerInsert"]} WAL bytes an insert | | |");
        }

        sb.AppendLine($"| 3. Handshakes: new mTLS connection per scan, no resumption | {D("handshakes.perSecond"):0} scans/s; p99 {Ms("handshakes.p99Ms")} | | |");
        sb.AppendLine($"| 4. Telemetry: batches of 100, breach evaluation on, {r["telemetry"]!["sensors"]} sensors | {D("telemetry.readingsPerSecond"):0} readings/s; batch p99 {Ms("telemetry.batches.p99Ms")} | >= 20,000/s | {Check(D("telemetry.readingsPerSecond") >= 20_000)} |");
        sb.AppendLine($"| 5. Revocation under load ({D("revocation.backgroundScansPerSecond"):0} scans/s) | suspend answered in {Ms("revocation.suspendLatencyMs")}; {D("revocation.victimAcceptedAfter"):0} of {D("revocation.victimSentAfter"):0} later requests accepted | 0 accepted | {Check(D("revocation.victimAcceptedAfter") == 0 && D("revocation.victimSentAfter") > 0)} |");
        sb.AppendLine($"| 6. Device store: scan latency, {D("deviceStoreScale.devicesSmall"):0} vs {D("deviceStoreScale.devicesLarge"):0} devices (16 workers) | mean {D("deviceStoreScale.small.meanMs"):0.00} vs {D("deviceStoreScale.large.meanMs"):0.00} ms: ratio {storeRatio:0.00} (p99 ratio {D("deviceStoreScale.p99Ratio"):0.00}) | <= 1.2 | {Check(storeRatio <= 1.2)} |");
        sb.AppendLine($"| 7. Peak RSS of the service | {D("service.peakRssMb"):0} MB | <= 400 MB | {Check(D("service.peakRssMb") <= 400)} |");
        sb.AppendLine($"| Start to healthy | {D("service.startToHealthyMs") / 1000:0.0} s | | |");
        sb.AppendLine();
        return sb.ToString();
    }

    private static async Task<object> MachineAsync(BenchOptions o)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        string postgres;
        await using (var connection = new NpgsqlConnection(o.Postgres))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("show server_version", connection);
            postgres = "PostgreSQL " + await command.ExecuteScalarAsync();
        }

        var rabbit = "unknown";
        try
        {
            // The broker's own user (scripts/infra.sh gives it a password; bench.sh exports its URI).
            var user = Uri.TryCreate(Environment.GetEnvironmentVariable("RabbitMq__Uri"), UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
                ? Uri.UnescapeDataString(uri.UserInfo)
                : "guest:guest";
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user)));
            var overview = JsonNode.Parse(await http.GetStringAsync("http://127.0.0.1:15672/api/overview"));
            rabbit = overview?["rabbitmq_version"]?.GetValue<string>() ?? rabbit;
        }
        catch (HttpRequestException)
        {
        }

        return new
        {
            cpu,
            cores = Environment.ProcessorCount,
            memoryGb = Math.Round(double.Parse(memKb) / 1024 / 1024, 1),
            os = RuntimeInformation.OSDescription,
            dotnet = Environment.Version.ToString(),
            postgres,
            rabbitmq = rabbit,
            marten = typeof(Marten.DocumentStore).Assembly.GetName().Version?.ToString(),
            masstransit = typeof(MassTransit.IBus).Assembly.GetName().Version?.ToString(),
        };
    }
}
