using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Shipments;
using TrackTrace.Api.Shipments.MonitoringOverdue;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Bench;

/// <summary>
/// The overdue monitor's cost with many open shipments (<c>--overdue</c>): the shipments are written
/// with the service's own events and snapshots (each with its next due time), then a monitor runs in
/// this process against the same database, as a second instance would. Measured: the time of a sweep
/// with nothing due, the scan rate over HTTPS with and without sweeps back to back, and a sweep that
/// records a backlog while scans go on.
/// </summary>
public sealed class OverdueBench(BenchOptions o)
{
    private const int Workers = 32;
    private readonly string _runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(2));

    public int OpenShipments => o.Quick ? 20_000 : 100_000;

    public int Backlog => o.Quick ? 2_000 : 10_000;

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var results = new Dictionary<string, object>();
        var fleet = new Fleet(o.Api, o.Pki, _runId);
        var scanning = new BenchRun(o);
        Log($"overdue {_runId}: enrolling 100 scanners, registering shipments to scan");
        var scanners = await fleet.AddScannersAsync(100);
        var pool = new ConcurrentQueue<string>(await fleet.RegisterShipmentsAsync(o.Quick ? 6_000 : 16_000));

        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(o.Postgres);
            TrackTraceStore.Configure(opts);
        });
        var routes = RouteCatalog.Load(Path.Combine(AppContext.BaseDirectory, "workflows"));
        Log($"writing {OpenShipments} open road-domestic shipments checked in at the factory, next leg due in 6-12 h");
        var fill = Stopwatch.StartNew();
        await FillAsync(store, routes, OpenShipments, overdue: false);
        Log($"    {fill.Elapsed.TotalSeconds:0} s");

        await using var dataSource = Npgsql.NpgsqlDataSource.Create(o.Postgres);
        await using var streams = new ShipmentStreams(store,
            new AlertBudget(dataSource, Options.Create(new AlertOptions()), TimeProvider.System), TimeProvider.System, routes);
        var monitor = new OverdueMonitor(store, streams, routes, dataSource, new StoreNames(store.Options),
            Options.Create(new ShipmentOptions()), TimeProvider.System, NullLogger<OverdueMonitor>.Instance);

        Log("a. sweeps with nothing due, 50 in a row");
        var idle = new Latencies();
        for (var i = 0; i < 50; i++)
        {
            var sweep = await monitor.SweepAsync(CancellationToken.None);
            idle.Add(sweep.Elapsed.TotalMilliseconds);
        }

        Log($"    p50 {idle.Percentile(50):0.00} ms, max {idle.Percentile(100):0.00} ms");
        results["openShipments"] = OpenShipments + pool.Count;
        results["idleSweep"] = new { p50Ms = Math.Round(idle.Percentile(50), 2), p99Ms = Math.Round(idle.Percentile(99), 2), maxMs = Math.Round(idle.Percentile(100), 2) };

        // Alone before and after, so a machine that gets busier or warmer meanwhile shows as such.
        Log($"b. scans alone, {Workers} connections");
        var before = await scanning.ScansAsync(scanners, pool, Workers);
        Log($"    {before.PerSecond:0}/s, p99 {before.Percentile(99):0.0} ms");

        Log("c. the same scans while the monitor sweeps back to back");
        using var stop = new CancellationTokenSource();
        var sweeps = 0;
        var sweeping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await monitor.SweepAsync(CancellationToken.None);
                sweeps++;
            }
        });
        var swept = await scanning.ScansAsync(scanners, pool, Workers);
        await stop.CancelAsync();
        await sweeping;
        Log($"    {swept.PerSecond:0}/s, p99 {swept.Percentile(99):0.0} ms, {sweeps} sweeps");
        Log("b'. scans alone again");
        var alone = await scanning.ScansAsync(scanners, pool, Workers);
        Log($"    {alone.PerSecond:0}/s, p99 {alone.Percentile(99):0.0} ms");
        results["scansAloneBefore"] = before.Summary();
        results["scansAlone"] = alone.Summary();
        results["scansWhileSweeping"] = swept.Summary();
        results["sweepsDuringScans"] = sweeps;
        var aloneRate = (before.PerSecond + alone.PerSecond) / 2;
        results["rateRatio"] = Math.Round(swept.PerSecond / aloneRate, 3);

        Log($"d. {Backlog} shipments overdue at once (their truck was due an hour ago): one sweep records them while scans go on");
        await FillAsync(store, routes, Backlog, overdue: true);
        OverdueSweep? backlog = null;
        var recording = Task.Run(async () =>
        {
            await Task.Delay(o.WarmUp);
            backlog = await monitor.SweepAsync(CancellationToken.None);
        });
        var during = await scanning.ScansAsync(scanners, pool, Workers);
        await recording;
        Log($"    recorded {backlog!.Recorded} of {backlog.Candidates} in {backlog.Elapsed.TotalSeconds:0.0} s " +
            $"({backlog.Recorded / backlog.Elapsed.TotalSeconds:0}/s); scans meanwhile {during.PerSecond:0}/s, p99 {during.Percentile(99):0.0} ms");
        results["backlog"] = new
        {
            shipments = Backlog,
            recorded = backlog.Recorded,
            seconds = Math.Round(backlog.Elapsed.TotalSeconds, 2),
            perSecond = Math.Round(backlog.Recorded / backlog.Elapsed.TotalSeconds),
            scans = during.Summary(),
            rateRatio = Math.Round(during.PerSecond / aloneRate, 3),
        };
        return results;
    }

    /// <summary>
    /// Road-domestic shipments registered and checked in at the factory, written as the service writes
    /// them: the two facts and the snapshot with its next due time.
    /// </summary>
    private async Task FillAsync(IDocumentStore store, RouteCatalog routes, int count, bool overdue)
    {
        var workflow = routes.Get("road-domestic");
        var leg = workflow.Route.Legs[0];
        var now = DateTimeOffset.UtcNow;
        var prefix = $"OVD{_runId}{(overdue ? "L" : "W")}";
        await Parallel.ForEachAsync(Enumerable.Range(0, count).Chunk(1000), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (chunk, ct) =>
            {
                await using var session = store.LightweightSession();
                foreach (var i in chunk)
                {
                    var id = $"{prefix}-{i:000000}";
                    // Open: next leg due 6-12 h from now. Overdue: due 1-2 h ago.
                    var at = overdue ? now.AddHours(-13 - i % 60 / 60.0) : now.AddHours(-6 + i % 360 / 60.0);
                    var registered = new ShipmentRegistered(id, workflow.Route.Id, "bench", "bench-filler", at.AddMinutes(-5));
                    var checkedIn = new StationCheckedIn(id, Guid.NewGuid(), leg.Number, leg.Name, leg.StationType, "BENCH-FACTORY",
                        "bench-filler", at, at, null);
                    var state = Shipment.Fold(Shipment.Create(registered), checkedIn);
                    session.Events.StartStream<Shipment>(id, registered, checkedIn);
                    session.Store(state with { NextDueAt = ShipmentSchedule.NextDue(state, workflow) });
                }

                await session.SaveChangesAsync(ct);
            });
    }

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
