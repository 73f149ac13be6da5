using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;

namespace TrackTrace.Bench;

/// <summary>
/// Scan ingestion through the balancer of scripts/cluster.sh (HAProxy, TCP passthrough with PROXY
/// v2): 200 scanner certificates over 64 keep-alive connections with two instances behind it (after a
/// round that warms both up), then with one (the second killed; the balancer takes it out after two failed health checks and the
/// scanners' connections reconnect to the first). Same run, same database, same fleet.
/// </summary>
public sealed class ClusterBench(BenchOptions o)
{
    private const int Connections = 64;
    private readonly string _runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(2));

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var fleet = new Fleet(o.Api, o.Pki, _runId);
        Log($"cluster run {_runId} through {o.Api}: enrolling 200 scanners, registering {o.Shipments} shipments");
        await fleet.AddScannersAsync(200);
        var pool = new ConcurrentQueue<string>(await fleet.RegisterShipmentsAsync(o.Shipments));
        var scans = new BenchRun(o);

        // Both instances start cold (JIT, each its own snapshot cache): a first round warms them and is not counted.
        Log($"C0. warming both instances up: one round through the balancer, not counted");
        var warm = await scans.ScansAsync(fleet.Scanners, pool, Connections);
        Log($"    {warm.PerSecond:0}/s, p99 {warm.Percentile(99):0.0} ms");

        Log($"C2. two instances behind the balancer, {Connections} connections");
        var two = await scans.ScansAsync(fleet.Scanners, pool, Connections);
        Log($"    {two.PerSecond:0}/s, p50 {two.Percentile(50):0.0} ms, p99 {two.Percentile(99):0.0} ms, errors {two.Errors}");

        Log($"C1. the second instance (pid {o.SecondInstancePid}) killed; one instance behind the balancer");
        var down = Stopwatch.StartNew();
        Process.GetProcessById(o.SecondInstancePid).Kill();
        await WaitUntilDownAsync("instance-2");
        var downAfter = down.Elapsed;
        Log($"    the balancer had it down after {downAfter.TotalSeconds:0.0} s");
        var one = await scans.ScansAsync(fleet.Scanners, pool, Connections);
        Log($"    {one.PerSecond:0}/s, p50 {one.Percentile(50):0.0} ms, p99 {one.Percentile(99):0.0} ms, errors {one.Errors}");

        return new Dictionary<string, object>
        {
            ["twoInstances"] = two.Summary(),
            ["oneInstance"] = one.Summary(),
            ["oneOverTwo"] = Math.Round(one.PerSecond / two.PerSecond, 3),
            ["downAfterSeconds"] = Math.Round(downAfter.TotalSeconds, 1),
            ["loadAverage"] = File.ReadAllText("/proc/loadavg").Split(' ')[0],
        };
    }

    /// <summary>Polls HAProxy's statistics (CSV) until the API backend's server is DOWN.</summary>
    private async Task WaitUntilDownAsync(string server)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var csv = await http.GetStringAsync(new Uri(o.BalancerStats!, ";csv"));
            if (csv.Split('\n').Any(line => line.Contains($",{server},", StringComparison.Ordinal) && line.Contains(",DOWN", StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"HAProxy did not mark {server} down within 30 s");
    }

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
