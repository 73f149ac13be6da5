using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TrackTrace.Pki;

namespace TrackTrace.Bench;

/// <summary>
/// What monitoring costs the scan path (scripts/bench.sh --monitoring): the same scan load against
/// two services of the same build on the same database, one with detection on (sightings, the clone,
/// network, scan-rate and impossible-travel rules; defaults) and one with all of it off, in
/// alternating windows of one run; and how long a clone takes to be suspended while the load runs.
/// </summary>
public sealed class MonitoringBench(BenchOptions o)
{
    private const int Connections = 64;
    private const int ScannerCount = 100;
    private readonly string _runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(2));
    private readonly Dictionary<string, object> _results = new();

    private int Rounds => o.Quick ? 2 : 3;
    private TimeSpan WarmUp => TimeSpan.FromSeconds(o.Quick ? 3 : 5);
    private TimeSpan Window => TimeSpan.FromSeconds(o.Quick ? 10 : 20);

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var apiOff = o.ApiOff ?? throw new ArgumentException("--monitoring needs --api-off (the service with detection off)");
        var fleet = new Fleet(o.Api, o.Pki, "M" + _runId);
        Log($"run {_runId}: {ScannerCount} scanners at stations a few km apart (the travel rule measures every leg)");
        var on = await fleet.AddScannersAsync(ScannerCount, n => (51.95 + n % 10 * 0.003, 4.14 + n / 10 % 10 * 0.003));
        var off = on.Select(s => s with { Client = fleet.Client(s.Certificate, apiOff) }).ToArray();
        var shipments = o.Quick ? 15_000 : 35_000;
        // Each service registers the shipments it will check in, so both hold their snapshots in memory alike.
        Log($"registering {shipments} ocean-reefer shipments on each service");
        var poolOn = new ConcurrentQueue<string>(await fleet.RegisterShipmentsAsync(shipments));
        var poolOff = new ConcurrentQueue<string>(await new Fleet(apiOff, o.Pki, "N" + _runId).RegisterShipmentsAsync(shipments));
        _results["setup"] = new { scanners = ScannerCount, shipments = 2 * shipments, connections = Connections, rounds = Rounds, windowSeconds = Window.TotalSeconds };
        _results["loadAverageAtStart"] = EpcisBench.LoadAverage();

        var withDetection = new List<object>();
        var without = new List<object>();
        var rates = (On: new List<double>(), Off: new List<double>());
        for (var round = 1; round <= Rounds; round++)
        {
            // Alternating, so a machine that gets busier or a database that grows weighs on both alike.
            foreach (var (name, scanners, pool, pid, into, rate) in new[]
                     {
                         ("on", on, poolOn, o.ServicePid, withDetection, rates.On), ("off", off, poolOff, o.ServiceOffPid, without, rates.Off),
                     })
            {
                var (latencies, cpu) = await ScansAsync(scanners, pool, pid);
                Log($"    round {round}, detection {name}: {Describe(latencies)}; service CPU {cpu.ServiceMs:0.00} ms, machine {cpu.MachineMs:0.00} ms a scan");
                into.Add(new { latencies = latencies.Summary(), serviceCpuMsPerScan = Math.Round(cpu.ServiceMs, 3), machineCpuMsPerScan = Math.Round(cpu.MachineMs, 3) });
                rate.Add(latencies.PerSecond);
            }
        }

        _results["detectionOn"] = withDetection;
        _results["detectionOff"] = without;
        _results["onOverOff"] = Math.Round(rates.On.Average() / rates.Off.Average(), 3);

        Log("clones under load: one certificate from 127.0.0.1 and 127.0.0.2 at once, time until its device is suspended");
        _results["cloneDetection"] = await ClonesUnderLoadAsync(fleet, on, poolOn);
        _results["loadAverageAtEnd"] = EpcisBench.LoadAverage();
        return _results;
    }

    private async Task<(Latencies Latencies, (double ServiceMs, double MachineMs) Cpu)> ScansAsync(
        IReadOnlyList<Scanner> scanners, ConcurrentQueue<string> pool, int pid)
    {
        var checkIns = new CheckIns(scanners, pool, Connections);
        (long Service, long Busy, long Total)? start = null;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(WarmUp);
            start = EpcisBench.Cpu(pid);
        });
        var latencies = await LoadRunner.RunAsync(Connections, WarmUp, Window, (w, ct) => checkIns.NextAsync(w, ct));
        var end = EpcisBench.Cpu(pid);
        await sampler;
        var scans = Math.Max(1, latencies.Operations);
        // Ticks are 1/100 s; the machine's busy ticks are summed over its cores.
        return (latencies, ((end.Service - start!.Value.Service) * 10.0 / scans, (end.Busy - start.Value.Busy) * 10.0 / scans));
    }

    /// <summary>Clones made while the load runs on the service with detection on: the original, the copy, the original again, then poll.</summary>
    private async Task<object> ClonesUnderLoadAsync(Fleet fleet, IReadOnlyList<Scanner> load, ConcurrentQueue<string> pool)
    {
        var probes = o.Quick ? 5 : 10;
        // Factory scanners, so every probe's scan is an accepted first leg (station types go round in fives).
        var clones = (await fleet.AddScannersAsync(probes * 5)).Where(s => s.StationType == "factory").Take(probes).ToArray();
        var background = ScansAsync(load, pool, o.ServicePid);
        await Task.Delay(WarmUp);
        var latencies = new List<double>();
        foreach (var clone in clones)
        {
            using var copy = FromSecondAddress(fleet, clone);
            pool.TryDequeue(out var first);
            pool.TryDequeue(out var second);
            pool.TryDequeue(out var third);
            await clone.Client.PostAsync("/api/scans", Fleet.ScanBody(first!));
            await copy.PostAsync("/api/scans", Fleet.ScanBody(second!));
            var clock = Stopwatch.StartNew();
            await clone.Client.PostAsync("/api/scans", Fleet.ScanBody(third!));
            while (true)
            {
                var device = JsonNode.Parse(await fleet.Admin.GetStringAsync($"/api/devices/{clone.DeviceId}"))!;
                if (device["status"]?.GetValue<string>() == "suspended")
                {
                    break;
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"clone {clone.DeviceId} not suspended within 30 s");
                }

                await Task.Delay(20);
            }

            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }

        var (load2, _) = await background;
        latencies.Sort();
        Log($"    {probes} clones suspended after {string.Join(", ", latencies.Select(l => $"{l:0}"))} ms under {load2.PerSecond:0} scans/s");
        return new
        {
            probes,
            backgroundScansPerSecond = Math.Round(load2.PerSecond),
            medianMs = Math.Round(latencies[latencies.Count / 2]),
            maxMs = Math.Round(latencies[^1]),
            allMs = latencies.Select(l => Math.Round(l)).ToArray(),
        };
    }

    /// <summary>The same certificate from 127.0.0.2 (Linux routes all of 127.0.0.0/8 to loopback).</summary>
    private HttpClient FromSecondAddress(Fleet fleet, Scanner scanner)
    {
        var handler = TrustedChannel.CreateHandler(fleet.CaCertificate, scanner.Certificate);
        handler.ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        };
        return new HttpClient(handler) { BaseAddress = o.Api };
    }

    private static string Describe(Latencies l) =>
        $"{l.PerSecond:0}/s, p50 {l.Percentile(50):0.0} ms, p99 {l.Percentile(99):0.0} ms, errors {l.Errors}";

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    /// <summary>The monitoring section of BENCHMARKS.md, between its own markers.</summary>
    public static string Table(JsonNode r, string file)
    {
        double D(JsonNode? n, string path) => path.Split('.').Aggregate(n, (x, p) => x?[p])!.GetValue<double>();
        string Rounds(string key, string path, string format) =>
            string.Join(", ", r[key]!.AsArray().Select(x => D(x, path).ToString(format, System.Globalization.CultureInfo.InvariantCulture)));
        double Mean(string key, string path) => r[key]!.AsArray().Average(x => D(x, path));
        var m = r["machine"]!;
        var sb = new StringBuilder();
        sb.AppendLine($"Run {r["date"]} ({r["mode"]}, `{file}`): {m["cpu"]}, {m["cores"]} cores; .NET {m["dotnet"]}, {m["postgres"]}. " +
                      $"Both services, PostgreSQL, RabbitMQ and this load generator share the machine (1-minute load average " +
                      $"{D(r, "loadAverageAtStart"):0.0} at the start, {D(r, "loadAverageAtEnd"):0.0} at the end). " +
                      $"{D(r, "setup.scanners"):0} scanners, {D(r, "setup.connections"):0} keep-alive connections, {D(r, "setup.rounds"):0} alternating rounds of {D(r, "setup.windowSeconds"):0} s each.");
        sb.AppendLine();
        sb.AppendLine("| Scenario | Detection on | Detection off |");
        sb.AppendLine("|---|---|---|");
        sb.AppendLine($"| M1. Accepted scans/s, each round | {Rounds("detectionOn", "latencies.perSecond", "0")} | {Rounds("detectionOff", "latencies.perSecond", "0")} |");
        sb.AppendLine($"| p50 / p99 latency, ms, mean of rounds | {Mean("detectionOn", "latencies.p50Ms"):0.0} / {Mean("detectionOn", "latencies.p99Ms"):0.0} | {Mean("detectionOff", "latencies.p50Ms"):0.0} / {Mean("detectionOff", "latencies.p99Ms"):0.0} |");
        sb.AppendLine($"| Service CPU per accepted scan, ms | {Mean("detectionOn", "serviceCpuMsPerScan"):0.00} | {Mean("detectionOff", "serviceCpuMsPerScan"):0.00} |");
        sb.AppendLine($"| Machine CPU per accepted scan, ms (all processes) | {Mean("detectionOn", "machineCpuMsPerScan"):0.00} | {Mean("detectionOff", "machineCpuMsPerScan"):0.00} |");
        sb.AppendLine($"| On / off, mean scans/s | {D(r, "onOverOff"):0.00} | |");
        sb.AppendLine($"| M2. A clone suspended after the request that made its two addresses overlap ({D(r, "cloneDetection.probes"):0} clones, under {D(r, "cloneDetection.backgroundScansPerSecond"):0} scans/s, flush every 2 s) | median {D(r, "cloneDetection.medianMs"):0} ms, max {D(r, "cloneDetection.maxMs"):0} ms | |");
        return sb.ToString();
    }
}
