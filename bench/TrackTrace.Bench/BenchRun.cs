using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Npgsql;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Store;
using TrackTrace.Api.Shipments;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Bench;

/// <summary>The scenarios of the benchmarks issue, in an order that lets each reuse what the last set up.</summary>
public sealed class BenchRun(BenchOptions o)
{
    private const int Connections = 64;
    private readonly string _runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(2));
    private readonly Dictionary<string, object> _results = new();

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var fleet = new Fleet(o.Api, o.Pki, _runId);
        Log($"run {_runId}: enrolling 100 scanners, registering {o.Shipments} ocean-reefer shipments");
        var firstHundred = await fleet.AddScannersAsync(100);
        var pool = new ConcurrentQueue<string>(await fleet.RegisterShipmentsAsync(o.Shipments));
        _results["setup"] = new { scanners = 100, shipments = o.Shipments, runId = _runId };

        Log("enrolling 100 more scanners (200 distinct certificates)");
        await fleet.AddScannersAsync(100);

        Log($"1. scan ingestion: {fleet.Scanners.Count} scanners, {Connections} concurrent keep-alive connections");
        await SettleDatabaseAsync();
        var (ingestion, ingestionCost) = await CostedAsync(() => ScansAsync(fleet.Scanners, pool, Connections));
        _results["scanIngestion"] = ingestion.Summary();
        _results["scanIngestionCost"] = ingestionCost;
        Log("    " + Describe(ingestion));
        Log("    " + DescribeCost(ingestionCost));

        Log("1p. pgbench: durable single-row inserts, 16 clients (the ceiling of one commit per row on this machine)");
        _results["pgbench"] = await PgBench.SingleInsertAsync(o.Postgres, o.WarmUp + o.Window);
        Log($"    {_results["pgbench"]}");

        Log("2. baseline: the same check-ins straight through the domain and Marten, no HTTP, no TLS, no auth");
        await SettleDatabaseAsync();
        var (baseline, baselineCost) = await CostedAsync(() => BaselineAsync(fleet.Scanners, pool, Connections));
        _results["baseline"] = baseline.Summary();
        _results["baselineCost"] = baselineCost;
        _results["ingestionOverBaseline"] = Math.Round(ingestion.PerSecond / baseline.PerSecond, 3);
        Log("    " + Describe(baseline));
        Log("    " + DescribeCost(baselineCost));

        Log($"1n. the request floor: GET /api/me over {Connections} keep-alive connections of staff devices");
        await SettleDatabaseAsync();
        var staff = await fleet.AddStaffAsync(Connections);
        var (floor, floorCost) = await CostedAsync(() => RequestFloorAsync(staff));
        Log($"1s. the staff list: its first page, one staff connection at a time, with {o.Shipments} shipments and more stored");
        _results["staffList"] = await StaffListAsync(staff[0]);
        Log($"    {_results["staffList"]}");
        foreach (var client in staff)
        {
            client.Dispose(); // their 64 TLS connections are not the scans' memory (scenario 7)
        }

        _results["requestFloor"] = floor.Summary();
        _results["requestFloorCost"] = floorCost;
        Log("    " + Describe(floor));
        Log("    " + DescribeCost(floorCost));

        var rate = 0.8 * ingestion.PerSecond;
        Log($"1b. scan latency paced at 80% of the peak ({rate:0}/s)");
        // Not the export backlog, vacuum and checkpoint that the baseline's and pgbench's rows leave behind.
        await SettleDatabaseAsync();
        var (paced, pacedCost) = await CostedAsync(() => ScansAsync(fleet.Scanners, pool, Connections, rate));
        _results["scanAt80Percent"] = paced.Summary();
        _results["scanAt80PercentCost"] = pacedCost;
        Log("    " + Describe(paced));
        Log("    " + DescribeCost(pacedCost));

        Log("3. handshakes: a new mTLS connection per scan");
        var handshakes = await HandshakesAsync(fleet, pool);
        _results["handshakes"] = handshakes.Summary();
        Log("    " + Describe(handshakes));

        Log("4. telemetry: batches of 100 readings with breach evaluation");
        var telemetry = await TelemetryAsync(fleet);
        _results["telemetry"] = telemetry;

        Log("5. revocation under load");
        _results["revocation"] = await RevocationAsync(fleet, pool);

        // The two windows of scenario 6 run back to back, each on a settled database, so they differ
        // in the store's size only: not in what scenarios 1-5 left behind, nor in the checkpoint and
        // autovacuum the fill's 100,000 streams set off.
        var enrolled = fleet.Scanners.Count + fleet.SensorCount + fleet.StaffCount;
        Log($"6a. scan latency with {enrolled} enrolled devices (16 workers, the first 100 scanners)");
        await SettleDatabaseAsync();
        var small = await ScansAsync(firstHundred, pool, 16);
        Log("    " + Describe(small));

        Log($"6b. filling the device store to {o.FillerDevices} devices, then the same scan load as 6a");
        await FillDeviceStoreAsync(o.FillerDevices - enrolled);
        await SettleDatabaseAsync();
        var large = await ScansAsync(firstHundred, pool, 16);
        Log("    " + Describe(large));
        _results["deviceStoreScale"] = new
        {
            small = small.Summary(),
            large = large.Summary(),
            devicesSmall = enrolled,
            devicesLarge = o.FillerDevices,
            meanRatio = Math.Round(large.Mean / small.Mean, 3),
            p50Ratio = Math.Round(large.Percentile(50) / small.Percentile(50), 3),
            p99Ratio = Math.Round(large.Percentile(99) / small.Percentile(99), 3),
        };

        _results["service"] = new { peakRssMb = ProcFs.PeakRssMb(o.ServicePid), startToHealthyMs = o.StartToHealthyMs };
        _results["unusedShipments"] = pool.Count;
        return _results;
    }

    /// <summary>Accepted check-ins over HTTPS with client certificates, closed loop or paced.</summary>
    internal async Task<Latencies> ScansAsync(
        IReadOnlyList<Scanner> scanners, ConcurrentQueue<string> pool, int workers, double? rate = null)
    {
        var checkIns = new CheckIns(scanners, pool, workers);
        return await LoadRunner.RunAsync(workers, o.WarmUp, o.Window, async (w, ct) =>
        {
            var accepted = await checkIns.NextAsync(w, ct, Unexpected);
            if (accepted == true)
            {
                Interlocked.Increment(ref _accepted);
            }

            return accepted;
        }, rate);
    }

    /// <summary>
    /// A load (scans, baseline check-ins or floor requests, each counted in <see cref="_accepted"/> when
    /// it succeeds), with what each successful one cost the processes and PostgreSQL over the window.
    /// </summary>
    private async Task<(Latencies Latencies, Dictionary<string, object> Cost)> CostedAsync(Func<Task<Latencies>> load)
    {
        var cost = new ScanCost(o.Postgres, o.ServicePid, o.Metrics);
        await cost.StatementsAvailableAsync();
        // The scans accepted between the two readings (not the latency window's), so a reading that
        // comes late on a busy machine divides the counters by the scans they cover.
        (ScanCost.Counters Counters, long Accepted)? start = null;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(o.WarmUp);
            var accepted = Interlocked.Read(ref _accepted);
            start = (await cost.StartAsync(), accepted);
        });
        var latencies = await load();
        await sampler;
        var acceptedAtEnd = Interlocked.Read(ref _accepted);
        var end = await cost.ReadAsync();
        return (latencies, await cost.PerScanAsync(start!.Value.Counters, end, acceptedAtEnd - start.Value.Accepted));
    }

    private long _accepted;

    /// <summary>
    /// The same decision, events, snapshot and receipt as POST /api/scans, written with the service's
    /// own write path (ShipmentStreams) from this process: what the domain and Marten cost alone.
    /// </summary>
    private async Task<Latencies> BaselineAsync(IReadOnlyList<Scanner> scanners, ConcurrentQueue<string> pool, int workers)
    {
        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(o.Postgres);
            TrackTraceStore.Configure(opts);
        });
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(o.Postgres);
        var routes = RouteCatalog.Load(Path.Combine(AppContext.BaseDirectory, "workflows"));
        var streams = new ShipmentStreams(store,
            new AlertBudget(dataSource, Microsoft.Extensions.Options.Options.Create(new AlertOptions()), TimeProvider.System),
            TimeProvider.System, routes);
        var workflow = routes.Get("ocean-reefer");

        // The service holds the snapshots of shipments it registered in memory; give the baseline the same start.
        var share = Math.Min(pool.Count / 2, o.Quick ? 5_000 : 20_000);
        var mine = new ConcurrentQueue<string>();
        for (var i = 0; i < share && pool.TryDequeue(out var id); i++)
        {
            mine.Enqueue(id);
        }

        await using (var query = store.QuerySession())
        {
            foreach (var chunk in mine.Chunk(1000))
            {
                foreach (var shipment in await query.LoadManyAsync<Shipment>(chunk))
                {
                    streams.Remember(shipment);
                }
            }
        }

        var byType = scanners.GroupBy(s => s.StationType).ToDictionary(g => g.Key, g => g.ToArray());
        var journeys = new Journeys(mine, workers);
        var turn = 0;
        return await LoadRunner.RunAsync(workers, o.WarmUp, o.Window, async (w, ct) =>
        {
            if (journeys.Next(w) is not var (shipmentId, type))
            {
                return null;
            }

            var candidates = byType[type];
            var scanner = candidates[(int)((uint)Interlocked.Increment(ref turn) % candidates.Length)];
            var shipment = await streams.LoadAsync(shipmentId, fresh: false, ct);
            var now = DateTimeOffset.UtcNow;
            var command = new CheckInShipment(Guid.NewGuid(), scanner.StationId, scanner.StationType, scanner.DeviceId, now, now, null);
            var decision = ShipmentDecider.CheckIn(shipment!, workflow, command);
            var body = $"{{\"status\":\"accepted\",\"scanId\":\"{command.ScanId}\",\"leg\":{decision.Leg?.Number}}}";
            var receipt = new ScanReceipt(command.ScanId, shipmentId, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))),
                201, body, now);
            var appended = await streams.AppendGroupCommittedAsync(shipment!, decision.Events, new ScanWrite(receipt, null), ct);
            if (appended.Outcome == AppendOutcome.Appended && decision.Outcome is CheckInOutcome.Accepted or CheckInOutcome.Delivered)
            {
                journeys.Accepted(w);
                Interlocked.Increment(ref _accepted);
                return true;
            }

            journeys.Abandon(w);
            return false;
        });
    }

    /// <summary>
    /// The least a request over mTLS costs: GET /api/me, each worker over its own keep-alive connection
    /// with a staff device's certificate. It pays what every scan pays before its handler (TLS records,
    /// HTTP/1.1, the device's authentication against the store, a small JSON answer) and nothing else.
    /// </summary>
    private Task<Latencies> RequestFloorAsync(IReadOnlyList<HttpClient> clients) =>
        LoadRunner.RunAsync(clients.Count, o.WarmUp, o.Window, async (w, ct) =>
        {
            if (!await GetOkAsync(clients[w], "/api/me", ct))
            {
                return false;
            }

            Interlocked.Increment(ref _accepted);
            return true;
        });

    /// <summary>
    /// What a member of staff waits for the list: GET /api/shipments (the first page of 50, overdue
    /// first, then the newest) and the in-transit filter, one request after another on one keep-alive
    /// connection, while nothing else runs. The page and its total are read from the whole table.
    /// </summary>
    private async Task<object> StaffListAsync(HttpClient client)
    {
        Task<Latencies> Page(string path) =>
            LoadRunner.RunAsync(1, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(o.Quick ? 4 : 10),
                async (_, ct) => await GetOkAsync(client, path, ct));

        var first = await Page("/api/shipments");
        var inTransit = await Page("/api/shipments?status=in-transit");
        return new { firstPage = first.Summary(), inTransit = inTransit.Summary() };
    }

    /// <summary>Every scan on a new connection with TLS session resumption off: a full mTLS handshake each.</summary>
    private async Task<Latencies> HandshakesAsync(Fleet fleet, ConcurrentQueue<string> pool)
    {
        var clients = fleet.Scanners.Select(s =>
        {
            var handler = TrackTrace.Pki.TrustedChannel.CreateHandler(fleet.CaCertificate, s.Certificate);
            handler.SslOptions.AllowTlsResume = false;
            return (Scanner: s, Client: new HttpClient(handler) { BaseAddress = o.Api });
        }).GroupBy(c => c.Scanner.StationType).ToDictionary(g => g.Key, g => g.ToArray());
        var journeys = new Journeys(pool, Connections);
        var turn = 0;
        return await LoadRunner.RunAsync(Connections, o.WarmUp, o.Window, async (w, ct) =>
        {
            if (journeys.Next(w) is not var (shipment, type))
            {
                return null;
            }

            var candidates = clients[type];
            var client = candidates[(int)((uint)Interlocked.Increment(ref turn) % candidates.Length)].Client;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/scans") { Content = Fleet.ScanBody(shipment) };
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                journeys.Accepted(w);
                return true;
            }

            journeys.Abandon(w);
            return false;
        });
    }

    private async Task<object> TelemetryAsync(Fleet fleet)
    {
        const int batch = 100;
        var sensors = await fleet.AddSensorsAsync(o.Quick ? 64 : 200);
        var workers = 32;
        var clocks = new long[sensors.Count];
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var turn = 0;
        var latencies = await LoadRunner.RunAsync(workers, o.WarmUp, o.Window, async (w, ct) =>
        {
            // Each sensor's batches must not overlap in time: a worker owns the sensors w, w+workers, ...
            var owned = sensors.Count / workers;
            var index = w + workers * (int)((uint)Interlocked.Increment(ref turn) % owned);
            var sensor = sensors[index];
            var json = new StringBuilder("{\"readings\":[");
            for (var i = 0; i < batch; i++)
            {
                var at = start.AddSeconds(10 * clocks[index]++);
                var celsius = 5 + Math.Sin(clocks[index] / 50.0) * 1.5;
                json.Append(i == 0 ? "" : ",").Append($"{{\"at\":\"{at:O}\",\"celsius\":{celsius:0.00}}}");
            }

            json.Append("]}");
            using var response = await sensor.Client.PostAsync($"/api/shipments/{sensor.ShipmentId}/temperature-readings",
                new StringContent(json.ToString(), Encoding.UTF8, "application/json"), ct);
            return response.StatusCode == HttpStatusCode.OK;
        });
        Log($"    {latencies.PerSecond * batch:0} readings/s ({latencies.PerSecond:0.0} batches/s), p99 {latencies.Percentile(99):0.0} ms, errors {latencies.Errors}");
        return new
        {
            sensors = sensors.Count, batchSize = batch, readingsPerSecond = Math.Round(latencies.PerSecond * batch), batches = latencies.Summary(),
        };
    }

    /// <summary>
    /// One factory scanner keeps checking fresh shipments in over its keep-alive connection while the
    /// rest of the fleet loads the service; the admin suspends it. Every request it sends after the
    /// suspension answered must be refused.
    /// </summary>
    private async Task<object> RevocationAsync(Fleet fleet, ConcurrentQueue<string> pool)
    {
        // From the second hundred: the first hundred measure the device-store scale afterwards.
        var victim = fleet.Scanners.Last(s => s.StationType == "factory");
        var others = fleet.Scanners.Where(s => s != victim).ToArray();
        using var stop = new CancellationTokenSource();
        var background = ScansAsync(others, pool, Connections - 1);
        var clock = Stopwatch.StartNew();
        long suspendedAt = long.MaxValue;
        var sentAfter = 0;
        var acceptedAfter = 0;
        var acceptedBefore = 0;
        var victimLoop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && pool.TryDequeue(out var shipment))
            {
                var sent = clock.ElapsedTicks;
                using var response = await victim.Client.PostAsync("/api/scans", Fleet.ScanBody(shipment));
                var after = sent > Interlocked.Read(ref suspendedAt);
                if (after)
                {
                    sentAfter++;
                }

                if (response.StatusCode == HttpStatusCode.Created)
                {
                    if (after)
                    {
                        acceptedAfter++;
                    }
                    else
                    {
                        acceptedBefore++;
                    }
                }
            }
        });

        await Task.Delay(o.WarmUp + TimeSpan.FromSeconds(2));
        var suspendClock = Stopwatch.StartNew();
        using (var suspended = await fleet.Admin.PostAsJsonAsync($"/api/devices/{victim.DeviceId}/suspend", new { reason = "benchmark revocation" }))
        {
            await Fleet.Expect(suspended, HttpStatusCode.OK);
        }

        var suspendMs = suspendClock.Elapsed.TotalMilliseconds;
        Interlocked.Exchange(ref suspendedAt, clock.ElapsedTicks);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await victimLoop;
        var load = await background;
        Log($"    suspend answered in {suspendMs:0.0} ms under {load.PerSecond:0} scans/s; victim accepted {acceptedBefore} before, {acceptedAfter} of {sentAfter} sent after");
        return new
        {
            suspendLatencyMs = Math.Round(suspendMs, 1),
            backgroundScansPerSecond = Math.Round(load.PerSecond),
            victimAcceptedBefore = acceptedBefore,
            victimSentAfter = sentAfter,
            victimAcceptedAfter = acceptedAfter,
        };
    }

    /// <summary>
    /// Grows the attribute store with enrollments written through Marten (same events and inline
    /// projections as POST /api/devices); their certificates never connect, they only make the store large.
    /// </summary>
    private async Task FillDeviceStoreAsync(int count)
    {
        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(o.Postgres);
            TrackTraceStore.Configure(opts);
        });
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, count).Chunk(1000), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (chunk, ct) =>
            {
                await using var session = store.LightweightSession();
                foreach (var i in chunk)
                {
                    var id = $"f{_runId}-{i:000000}";
                    var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
                    session.Events.StartStream<Device>(Device.StreamKey(id), new DeviceEnrolled(id, DeviceRole.Sensor, null,
                        new DeviceCertificateInfo(fingerprint, $"CN={id}", "CN=filler", now, now.AddYears(1)),
                        new Dictionary<string, string>(), "bench-filler", now));
                }

                await session.SaveChangesAsync(ct);
            });
    }

    /// <summary>
    /// Waits until the service's subscriptions (the EPCIS export, the publisher, the alert dispatcher)
    /// have caught up with every stored event, then vacuums and analyzes every table and writes the
    /// dirty pages out: the next window pays for its own scans only, not for the export backlog, the
    /// autovacuum or the checkpoint that an earlier scenario's writes left behind.
    /// </summary>
    private async Task SettleDatabaseAsync()
    {
        var clock = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(o.Postgres);
        await connection.OpenAsync();
        await using var behind = new NpgsqlCommand($"""
            select count(*) from {TrackTraceStore.Schema}.mt_event_progression
            where name like '%:All' and last_seq_id < (select coalesce(max(seq_id), 0) from {TrackTraceStore.Schema}.mt_events)
            """, connection);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (Convert.ToInt64(await behind.ExecuteScalarAsync()) > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the service's subscriptions did not catch up with the event store within 5 minutes");
            }

            await Task.Delay(250);
        }

        var caughtUp = clock.Elapsed;
        foreach (var sql in new[] { "vacuum (analyze)", "checkpoint" })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }

        Log($"    settled: subscriptions caught up in {caughtUp.TotalSeconds:0.0} s, vacuum, analyze and checkpoint in {(clock.Elapsed - caughtUp).TotalSeconds:0.0} s");
    }

    private int _unexpected;

    /// <summary>Shows the first few unexpected answers, so an error count is never a mystery.</summary>
    /// <summary>A GET that must answer 200; anything else is logged as unexpected and counts as a failure.</summary>
    private async Task<bool> GetOkAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return true;
        }

        await Unexpected(response);
        return false;
    }

    private async Task Unexpected(HttpResponseMessage response)
    {
        if (Interlocked.Increment(ref _unexpected) <= 5)
        {
            Log($"    unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string Describe(Latencies l) =>
        $"{l.PerSecond:0}/s, p50 {l.Percentile(50):0.0} ms, p95 {l.Percentile(95):0.0} ms, p99 {l.Percentile(99):0.0} ms, errors {l.Errors}";

    private static string DescribeCost(Dictionary<string, object> cost)
    {
        var cpu = (Dictionary<string, double>)cost["cpuMsPerScan"];
        var db = (Dictionary<string, double>)cost["postgresPerScan"];
        var service = (cost.GetValueOrDefault("serviceNpgsqlPerScan") is { } c ? $"; service→PostgreSQL {c}" : "") +
                      (cost.GetValueOrDefault("serviceGcPerScan") is { } gc ? $"; service GC {gc}" : "");
        return $"CPU ms a scan: service {cpu["service"]:0.000}, PostgreSQL {cpu["postgres"]:0.000}, RabbitMQ {cpu["rabbitmq"]:0.000}, " +
               $"load generator {cpu["loadGenerator"]:0.000}, other {cpu["otherProcesses"]:0.000}; WAL {cost["walBytesPerScan"]} B, " +
               $"commits {db["xact_commit"]:0.00}, inserted {db["tup_inserted"]:0.00}, updated {db["tup_updated"]:0.00} a scan; load {string.Join("/", (double[])cost["loadAverage"])}{service}";
    }

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
