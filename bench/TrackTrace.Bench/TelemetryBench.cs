using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;

namespace TrackTrace.Bench;

/// <summary>
/// What OpenTelemetry export costs scan ingestion (scripts/bench.sh --telemetry): the same scan load
/// against two services of the same build on the same database, one exporting traces and metrics
/// over OTLP/HTTP to a sink in this process that accepts and discards (as a collector would answer),
/// one with OpenTelemetry:OtlpEndpoint unset, in alternating windows of one run. With --compare the
/// second service is another build instead (without export): before and after a change, same run.
/// CPU is both services' (one of them runs the subscriptions for both) and PostgreSQL's, per scan
/// accepted in the window.
/// </summary>
public sealed class TelemetryBench(BenchOptions o)
{
    private const int Connections = 64;
    private const int ScannerCount = 200;
    private readonly string _runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(2));
    private long _accepted;

    private int Rounds => o.Quick ? 2 : 3;
    private TimeSpan WarmUp => TimeSpan.FromSeconds(o.Quick ? 3 : 5);
    private TimeSpan Window => TimeSpan.FromSeconds(o.Quick ? 10 : 20);

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var exporting = o.ApiOff ?? throw new ArgumentException("--telemetry needs --api-off (the service that exports over OTLP)");
        using var receiver = o.Compare ? null : new OtlpSink(o.OtlpSink ?? throw new ArgumentException("--telemetry needs --otlp-sink (where that service exports to)"));
        var results = new Dictionary<string, object>();
        var fleet = new Fleet(o.Api, o.Pki, "T" + _runId);
        Log($"run {_runId}: {ScannerCount} scanners; {(o.Compare ? "this build against the other" : $"OTLP sink on {o.OtlpSink}")}");
        var off = await fleet.AddScannersAsync(ScannerCount);
        var on = off.Select(s => s with { Client = fleet.Client(s.Certificate, exporting) }).ToArray();
        var shipments = o.Quick ? 4_000 : 12_000;
        // Each service registers the shipments it will check in, so both hold their snapshots in memory alike.
        Log($"registering {shipments} ocean-reefer shipments on each service");
        var poolOff = new ConcurrentQueue<string>(await fleet.RegisterShipmentsAsync(shipments));
        var poolOn = new ConcurrentQueue<string>(await new Fleet(exporting, o.Pki, "U" + _runId).RegisterShipmentsAsync(shipments));
        results["setup"] = new { scanners = ScannerCount, shipments = 2 * shipments, connections = Connections, rounds = Rounds, windowSeconds = Window.TotalSeconds };

        var rounds = (On: new List<Dictionary<string, object>>(), Off: new List<Dictionary<string, object>>());
        var rates = (On: new List<double>(), Off: new List<double>());
        var cpu = (On: new List<double>(), Off: new List<double>());
        var pg = (On: new List<double>(), Off: new List<double>());
        for (var round = 1; round <= Rounds; round++)
        {
            // Alternating, so a machine that gets busier weighs on both alike.
            foreach (var (name, scanners, pool, pid, into, rate, ms, pgMs) in new[]
                     {
                         (o.Compare ? "this build" : "off", off, poolOff, o.ServicePid, rounds.Off, rates.Off, cpu.Off, pg.Off),
                         (o.Compare ? "other build" : "on", (IReadOnlyList<Scanner>)on, poolOn, o.ServiceOffPid, rounds.On, rates.On, cpu.On, pg.On),
                     })
            {
                var (latencies, cost) = await ScansAsync(scanners, pool, pid);
                var perScan = (Dictionary<string, double>)cost["cpuMsPerScan"];
                Log($"    round {round}, {(o.Compare ? "" : "export ")}{name}: {latencies.PerSecond:0}/s, p50 {latencies.Percentile(50):0.0} ms, p99 {latencies.Percentile(99):0.0} ms, " +
                    $"errors {latencies.Errors}; CPU ms a scan: services {perScan["service"]:0.000}, PostgreSQL {perScan["postgres"]:0.000}; WAL {cost["walBytesPerScan"]} B; load {string.Join("/", (double[])cost["loadAverage"])}");
                into.Add(new Dictionary<string, object> { ["latencies"] = latencies.Summary(), ["cost"] = cost });
                rate.Add(latencies.PerSecond);
                ms.Add(perScan["service"]);
                pgMs.Add(perScan["postgres"]);
            }
        }

        results["exportOff"] = rounds.Off;
        results["exportOn"] = rounds.On;
        results["onOverOff"] = Math.Round(rates.On.Average() / rates.Off.Average(), 3);
        results["serviceCpuMsPerScan"] = new { off = Math.Round(cpu.Off.Average(), 3), on = Math.Round(cpu.On.Average(), 3) };
        results["postgresCpuMsPerScan"] = new { off = Math.Round(pg.Off.Average(), 3), on = Math.Round(pg.On.Average(), 3) };
        results["compare"] = o.Compare;
        results["sink"] = new { requests = receiver?.Requests ?? 0, bytes = receiver?.Bytes ?? 0 };
        return results;
    }

    private async Task<(Latencies, Dictionary<string, object>)> ScansAsync(IReadOnlyList<Scanner> scanners, ConcurrentQueue<string> pool, int pid)
    {
        var cost = new ScanCost(o.Postgres, pid, null, pid == o.ServicePid ? o.ServiceOffPid : o.ServicePid);
        var checkIns = new CheckIns(scanners, pool, Connections);
        (ScanCost.Counters Counters, long Accepted)? start = null;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(WarmUp);
            var accepted = Interlocked.Read(ref _accepted);
            start = (await cost.StartAsync(), accepted);
        });
        var latencies = await LoadRunner.RunAsync(Connections, WarmUp, Window, async (w, ct) =>
        {
            var accepted = await checkIns.NextAsync(w, ct);
            if (accepted == true)
            {
                Interlocked.Increment(ref _accepted);
            }

            return accepted;
        });
        await sampler;
        var accepted = Interlocked.Read(ref _accepted) - start!.Value.Accepted;
        return (latencies, await cost.PerScanAsync(start.Value.Counters, await cost.ReadAsync(), accepted));
    }

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    /// <summary>An OTLP/HTTP endpoint that reads each export and answers 200 with an empty protobuf message, as a collector does.</summary>
    private sealed class OtlpSink : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private long _requests;
        private long _bytes;

        public OtlpSink(Uri prefix)
        {
            _listener.Prefixes.Add(prefix.ToString());
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    _ = Task.Run(async () =>
                    {
                        using var body = new MemoryStream();
                        await context.Request.InputStream.CopyToAsync(body);
                        Interlocked.Increment(ref _requests);
                        Interlocked.Add(ref _bytes, body.Length);
                        context.Response.StatusCode = 200;
                        context.Response.ContentType = "application/x-protobuf";
                        context.Response.ContentLength64 = 0;
                        context.Response.Close();
                    });
                }
            });
        }

        public long Requests => Interlocked.Read(ref _requests);
        public long Bytes => Interlocked.Read(ref _bytes);

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
