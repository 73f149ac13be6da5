using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using TrackTrace.Api.Epcis;
using TrackTrace.Domain.Epcis;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Bench;

/// <summary>
/// The EPCIS repository's figures (scripts/bench.sh --epcis): capture throughput in 10-event
/// documents with a sensor report and in one 10,000-event document, measured from the first POST
/// until every event is stored (capture is asynchronous: a 202 only means the document is safe),
/// and MATCH_anyEPC latency over the API with a million events stored.
/// </summary>
public sealed class EpcisBench(BenchOptions o)
{
    private const int Capturers = 8;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
    private readonly Dictionary<string, object> _results = new();
    private long _sscc;

    private int StoredTarget => o.Quick ? 100_000 : 1_000_000;

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var fleet = new Fleet(o.Api, o.Pki, "E" + _runId[..3]);
        var capturers = await fleet.AddScannersAsync(Capturers);
        var staff = (await fleet.AddStaffAsync(1))[0];
        await using var db = NpgsqlDataSource.Create(o.Postgres);

        _results["loadAverageAtStart"] = LoadAverage();
        Log($"E1. capture: {Capturers} devices posting 10-event documents (each event with a sensor report), closed loop");
        _results["capture10"] = await CaptureSmallDocumentsAsync(capturers.Select(c => c.Client).ToArray(), db);

        Log("E2. capture: one 10,000-event document, three times");
        _results["capture10000"] = await CaptureLargeDocumentAsync(capturers[0].Client, db);

        Log($"E3. filling the repository to {StoredTarget:N0} events (through the capture's own writer, 10,000 a transaction)");
        var fill = await FillAsync(db);
        Log($"E3. MATCH_anyEPC over the API with {fill.Total:N0} events stored");
        _results["matchAnyEpc"] = new { stored = fill.Total, fillPerSecond = Math.Round(fill.PerSecond), latency = (await MatchAnyEpcAsync(staff)).Summary() };
        _results["loadAverageAtEnd"] = LoadAverage();
        _results["peer"] = new
        {
            note = "open-source C# EPCIS repository on this machine, plain HTTP, no authentication (shared/INFRA.md)",
            singleEventCapturesPerSecond = 142, tenEventDocumentsEventsPerSecond = 749, tenThousandEventDocumentEventsPerSecond = 815,
            refusesDocumentsOverBytes = 20_000,
        };
        return _results;
    }

    private async Task<object> CaptureSmallDocumentsAsync(HttpClient[] clients, NpgsqlDataSource db)
    {
        await WaitForIdleAsync(db);
        var before = await CountAsync(db);
        var accepted = new Latencies();
        var (serviceBefore, busyBefore, totalBefore) = Cpu(o.ServicePid);
        var stopwatch = Stopwatch.StartNew();
        var window = o.Window;
        var documents = 0L;
        await Task.WhenAll(clients.Select(client => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < window)
            {
                var body = Document(10);
                var begin = stopwatch.Elapsed;
                var response = await client.PostAsync("/epcis/capture", new StringContent(body, Encoding.UTF8, "application/ld+json"));
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    accepted.Add((stopwatch.Elapsed - begin).TotalMilliseconds);
                    Interlocked.Increment(ref documents);
                }
                else
                {
                    accepted.Error();
                    Log($"    unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        })));
        var posted = stopwatch.Elapsed;
        await WaitForIdleAsync(db);
        var drained = stopwatch.Elapsed;
        var (serviceAfter, busyAfter, totalAfter) = Cpu(o.ServicePid);
        accepted.Window = posted;
        var stored = await CountAsync(db) - before;
        var perSecond = stored / drained.TotalSeconds;
        var serviceMsPerDocument = (serviceAfter - serviceBefore) * 10.0 / Math.Max(1, documents);
        var machineBusy = (busyAfter - busyBefore) / (double)Math.Max(1, totalAfter - totalBefore);
        Log($"    {documents} documents accepted in {posted.TotalSeconds:0.0} s ({accepted.PerSecond:0.0}/s, p99 {accepted.Percentile(99):0.0} ms); " +
            $"{stored} events stored in {drained.TotalSeconds:0.0} s: {perSecond:0} events/s; service CPU {serviceMsPerDocument:0.0} ms a document, machine {machineBusy:P0} busy");
        return new
        {
            devices = clients.Length, documents, eventsStored = stored, secondsToStored = Math.Round(drained.TotalSeconds, 1),
            eventsPerSecond = Math.Round(perSecond), accepted = accepted.Summary(),
            serviceCpuMsPerDocument = Math.Round(serviceMsPerDocument, 2), machineBusy = Math.Round(machineBusy, 2),
        };
    }

    private async Task<object> CaptureLargeDocumentAsync(HttpClient client, NpgsqlDataSource db)
    {
        var runs = new List<object>();
        var rates = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            await WaitForIdleAsync(db);
            var body = Document(10_000);
            var stopwatch = Stopwatch.StartNew();
            var response = await client.PostAsync("/epcis/capture", new StringContent(body, Encoding.UTF8, "application/ld+json"));
            await Fleet.Expect(response, HttpStatusCode.Accepted);
            var acceptedMs = stopwatch.Elapsed.TotalMilliseconds;
            var location = response.Headers.Location!.ToString();
            JsonElement job;
            while (true)
            {
                job = await (await client.GetAsync(location)).Content.ReadFromJsonAsync<JsonElement>();
                if (!job.GetProperty("running").GetBoolean())
                {
                    break;
                }

                await Task.Delay(20);
            }

            var storedMs = stopwatch.Elapsed.TotalMilliseconds;
            var rate = 10_000 / (storedMs / 1000);
            rates.Add(rate);
            Log($"    {body.Length / 1_048_576.0:0.0} MB: 202 after {acceptedMs:0} ms, all stored after {storedMs:0} ms ({rate:0} events/s), success {job.GetProperty("success")}");
            runs.Add(new { bytes = body.Length, acceptedMs = Math.Round(acceptedMs), storedMs = Math.Round(storedMs), eventsPerSecond = Math.Round(rate), success = job.GetProperty("success").GetBoolean() });
        }

        rates.Sort();
        return new { runs, medianEventsPerSecond = Math.Round(rates[1]) };
    }

    /// <summary>Events of one SSCC in ten (ten events each, one journey) with a GTIN and a temperature, straight into the tables.</summary>
    private async Task<(long Total, double PerSecond)> FillAsync(NpgsqlDataSource db)
    {
        var stopwatch = Stopwatch.StartNew();
        var existing = await CountAsync(db);
        // Every SSCC the queries ask for gets its ten events, whatever the capture scenarios stored before.
        var batches = StoredTarget / 10_000;
        var filled = 0L;
        await Parallel.ForEachAsync(Enumerable.Range(0, batches), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (batch, ct) =>
        {
            var recordTime = EpcisTime.Truncate(DateTimeOffset.UtcNow);
            var events = Enumerable.Range(0, 10_000).Select(i =>
            {
                var n = (long)batch * 10_000 + i;
                return CaptureDocument.ReadEvent(JsonNode.Parse(Event(SsccUrn(n / 10 % (StoredTarget / 10)), n))!.AsObject(),
                    $"urn:uuid:{Guid.NewGuid()}", recordTime);
            }).ToArray();
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await EpcisEventWriter.InsertAsync(connection, transaction, events, null, null, "bench", ct);
            await transaction.CommitAsync(ct);
            if (Interlocked.Add(ref filled, events.Length) % 100_000 == 0)
            {
                Log($"    {existing + filled:N0} events");
            }
        });
        await using (var analyze = db.CreateCommand($"analyze {EpcisTables.Events}; analyze {EpcisTables.EventEpcs}; analyze {EpcisTables.SensorReports}"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        return (await CountAsync(db), filled / stopwatch.Elapsed.TotalSeconds);
    }

    private async Task<Latencies> MatchAnyEpcAsync(HttpClient staff)
    {
        var latencies = new Latencies();
        var stopwatch = Stopwatch.StartNew();
        var count = o.Quick ? 100 : 500;
        for (var i = 0; i < count + 20; i++)
        {
            // The URN form, while the fill stored Digital Link canonical forms: the query canonicalises.
            var epc = SsccUrn(Random.Shared.Next(0, StoredTarget / 10));
            var begin = stopwatch.Elapsed;
            var response = await staff.GetAsync($"/epcis/events?MATCH_anyEPC={Uri.EscapeDataString(epc)}");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var found = body.GetProperty("epcisBody").GetProperty("queryResults").GetProperty("resultsBody").GetProperty("eventList").GetArrayLength();
            if (response.StatusCode != HttpStatusCode.OK || found < 10)
            {
                latencies.Error();
                continue;
            }

            if (i >= 20)
            {
                latencies.Add((stopwatch.Elapsed - begin).TotalMilliseconds);
            }
        }

        latencies.Window = stopwatch.Elapsed;
        Log($"    {latencies.Operations} queries (10+ events each): p50 {latencies.Percentile(50):0.00} ms, p95 {latencies.Percentile(95):0.00} ms, p99 {latencies.Percentile(99):0.00} ms, errors {latencies.Errors}");
        return latencies;
    }

    private string Document(int events)
    {
        var list = string.Join(",", Enumerable.Range(0, events).Select(i => Event(SsccUrn(Interlocked.Increment(ref _sscc) + 200_000), i)));
        return $$"""{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"bench":"https://bench.tracktrace.dev/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"{{DateTimeOffset.UtcNow:O}}","epcisBody":{"eventList":[""" + list + "]}}";
    }

    private static string Event(string sscc, long n)
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-(n % 10_000)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var celsius = (2 + n % 70 / 10.0).ToString("0.0", CultureInfo.InvariantCulture);
        return $$"""{"type":"ObjectEvent","eventID":"urn:uuid:{{Guid.NewGuid()}}","eventTime":"{{at}}","eventTimeZoneOffset":"+00:00","epcList":["{{sscc}}","urn:epc:id:sgtin:4012345.011111.{{n}}"],"action":"OBSERVE","bizStep":"{{(n % 3 == 0 ? "departing" : "arriving")}}","disposition":"in_transit","readPoint":{"id":"urn:epc:id:sgln:4012345.00011.{{n % 50}}"},"bizLocation":{"id":"urn:epc:id:sgln:4012345.00011.0"},"sensorElementList":[{"sensorMetadata":{"time":"{{at}}","deviceID":"urn:epc:id:giai:4012345.LOGGER-{{n % 100}}"},"sensorReport":[{"type":"Temperature","value":{{celsius}},"uom":"CEL"}]}],"bench:n":{{n}}""" + "}";
    }

    /// <summary>SSCCs of company prefix 4012345 numbered n, as EPC URNs.</summary>
    private static string SsccUrn(long n) => $"urn:epc:id:sscc:4012345.0{n:D9}";

    /// <summary>The 1-minute load average: on a shared machine, how much else wanted the 2 cores.</summary>
    internal static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The service's CPU ticks (1/100 s) and the machine's busy and total ticks, from /proc.</summary>
    internal static (long Service, long Busy, long Total) Cpu(int pid)
    {
        var service = 0L;
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            service = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
        }

        var all = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = all[3] + all[4];
        return (service, all.Sum() - idle, all.Sum());
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db)
    {
        await using var count = db.CreateCommand($"select count(*) from {EpcisTables.Events}");
        return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task WaitForIdleAsync(NpgsqlDataSource db)
    {
        while (true)
        {
            await using var open = db.CreateCommand($"select count(*) from {EpcisTables.CaptureJobs} where {EpcisTables.Job.State} <> 'finished'");
            if (Convert.ToInt64(await open.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 0)
            {
                return;
            }

            await Task.Delay(20);
        }
    }

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    /// <summary>The EPCIS section of BENCHMARKS.md, between its own markers.</summary>
    public static string Table(JsonNode r, string file)
    {
        double D(string path) => path.Split('.')
            .Aggregate((JsonNode?)r, (n, p) => int.TryParse(p, out var i) ? n?[i] : n?[p])!.GetValue<double>();
        var m = r["machine"]!;
        var sb = new StringBuilder();
        sb.AppendLine($"Run {r["date"]} ({r["mode"]}, `{file}`): {m["cpu"]}, {m["cores"]} cores, {m["memoryGb"]} GiB; .NET {m["dotnet"]}, {m["postgres"]}. " +
                      $"Service, PostgreSQL and this load generator share the machine (1-minute load average {D("loadAverageAtStart"):0.0} at the start, {D("loadAverageAtEnd"):0.0} at the end). " +
                      "Capture is over mTLS with the device check on every request; " +
                      "events/s count from the first POST until the last event is stored.");
        sb.AppendLine();
        sb.AppendLine("| Scenario | TrackTrace | Peer (plain HTTP, no auth) |");
        sb.AppendLine("|---|---|---|");
        sb.AppendLine($"| E1. 10-event documents with a sensor report, {D("capture10.devices"):0} devices in a closed loop | {D("capture10.eventsPerSecond"):0} events/s ({D("capture10.eventsStored"):0} events); 202 p50 {D("capture10.accepted.p50Ms"):0.0} ms, p99 {D("capture10.accepted.p99Ms"):0.0} ms; service CPU {D("capture10.serviceCpuMsPerDocument"):0.0} ms a document, machine {D("capture10.machineBusy") * 100:0}% busy | 749 events/s |");
        sb.AppendLine($"| E2. One 10,000-event document ({D("capture10000.runs.0.bytes") / 1_048_576:0.0} MB) | {D("capture10000.medianEventsPerSecond"):0} events/s (median of 3; 202 after {D("capture10000.runs.0.acceptedMs"):0} ms, stored after {D("capture10000.runs.0.storedMs"):0} ms in the first) | about 815 events/s; refuses documents over 20,000 bytes |");
        sb.AppendLine($"| E3. MATCH_anyEPC of an SSCC (10 events) over the API, {D("matchAnyEpc.stored"):N0} events stored | p50 {D("matchAnyEpc.latency.p50Ms"):0.00} ms, p95 {D("matchAnyEpc.latency.p95Ms"):0.00} ms, p99 {D("matchAnyEpc.latency.p99Ms"):0.00} ms ({D("matchAnyEpc.latency.operations"):0} queries, one client) | |");
        return sb.ToString();
    }
}
