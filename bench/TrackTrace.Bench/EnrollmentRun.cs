using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Marten;
using TrackTrace.Api.Devices;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Devices;
using TrackTrace.Pki;

namespace TrackTrace.Bench;

/// <summary>
/// EST enrollment under load: devices registered pending (written through Marten with the same
/// facts as POST /api/devices without a certificate, so the setup is quick), each making its own
/// P-256 key and request and enrolling with its token over a TLS connection of its own, as a
/// device in the field does once. (E1) enrollments per second with a fixed number of devices at a
/// time; (E2) a fleet of 10,000 devices all starting at the same moment: how long until every one
/// holds a certificate, and how many attempts failed on the way (a failed device retries, as a
/// real one would, after a short random pause).
/// </summary>
public sealed class EnrollmentRun(BenchOptions o)
{
    private const int Workers = 32;
    /// <summary>A device in the field retries for as long as it takes; the bench stops waiting for one after this.</summary>
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(10);
    private readonly string _runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
    private readonly Dictionary<string, object> _results = new();

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var root = CertificateAuthority.Load(o.Pki).Certificate;
        var closedLoop = (int)Math.Ceiling((o.WarmUp + o.Window).TotalSeconds * (o.Quick ? 700 : 500));
        Log($"enrollment run {_runId}: registering {closedLoop} devices for E1 and {o.Fleet} for E2 (through Marten)");
        var registerClock = Stopwatch.StartNew();
        var pool = new ConcurrentQueue<(string Id, string Token)>(await RegisterAsync("e1", closedLoop));
        var fleet = await RegisterAsync("e2", o.Fleet);
        Log($"    registered {closedLoop + o.Fleet} in {registerClock.Elapsed.TotalSeconds:0.0} s");

        Log($"E1. enrollments per second: {Workers} devices at a time, each on a new TLS connection");
        using var handler = Handler(root);
        using var client = new HttpClient(handler) { BaseAddress = o.Enrollment, Timeout = TimeSpan.FromMinutes(2) };
        var est = new EstClient(client);
        var cpu = CpuSample.Take(o.ServicePid);
        var attempted = 0;
        var e1 = await LoadRunner.RunAsync(Workers, o.WarmUp, o.Window, async (_, ct) =>
        {
            if (!pool.TryDequeue(out var device))
            {
                return null;
            }

            Interlocked.Increment(ref attempted);
            return await EnrollOnceAsync(est, device, ct);
        });
        var used = cpu.Since();
        _results["enrollmentsPerSecond"] = e1.Summary();
        _results["enrollmentCpu"] = new
        {
            serviceMsPerEnrollment = Math.Round(used.ServiceMs / Math.Max(1, attempted), 2),
            loadGeneratorMsPerEnrollment = Math.Round(used.OwnMs / Math.Max(1, attempted), 2),
            machineLoadAverage = File.ReadAllText("/proc/loadavg").Split(' ')[0],
        };
        Log($"    {e1.PerSecond:0}/s, p50 {e1.Percentile(50):0.0} ms, p99 {e1.Percentile(99):0.0} ms, errors {e1.Errors}; " +
            $"service CPU {used.ServiceMs / Math.Max(1, attempted):0.0} ms and load generator {used.OwnMs / Math.Max(1, attempted):0.0} ms per enrollment; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

        Log($"E2. a fleet of {o.Fleet} devices enrolling at once");
        _results["fleet"] = await FleetAsync(est, fleet);
        _results["service"] = new { peakRssMb = ProcFs.PeakRssMb(o.ServicePid), startToHealthyMs = o.StartToHealthyMs };
        return _results;
    }

    private async Task<object> FleetAsync(EstClient est, IReadOnlyList<(string Id, string Token)> fleet)
    {
        var clock = Stopwatch.StartNew();
        var failedAttempts = 0;
        var enrolled = 0;
        var byStatus = new ConcurrentDictionary<string, int>();
        var done = new double[fleet.Count];
        // Awaited, not waited on: 10,000 blocked pool threads would starve the very I/O being measured.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cpu = CpuSample.Take(o.ServicePid);
        var devices = fleet.Select((device, i) => Task.Run(async () =>
        {
            await start.Task;
            for (var attempt = 1; clock.Elapsed < GiveUpAfter; attempt++)
            {
                try
                {
                    if (await EnrollOnceAsync(est, device, CancellationToken.None))
                    {
                        done[i] = clock.Elapsed.TotalMilliseconds;
                        Interlocked.Increment(ref enrolled);
                        return;
                    }

                    byStatus.AddOrUpdate("refused", 1, (_, n) => n + 1);
                    return; // a refusal is final: the token would not get better
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or EstRefusedException)
                {
                    // What a device in the field does: try again after a pause that doubles, with jitter.
                    Interlocked.Increment(ref failedAttempts);
                    byStatus.AddOrUpdate(Why(ex), 1, (_, n) => n + 1);
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(500, 1500) * (1 << Math.Min(attempt - 1, 5))));
                }
            }

            byStatus.AddOrUpdate("gave up", 1, (_, n) => n + 1);
        })).ToArray();
        clock.Restart();
        start.SetResult();
        await Task.WhenAll(devices);
        var total = clock.Elapsed;
        var used = cpu.Since();
        var finished = done.Where(d => d > 0).Order().ToArray();
        double At(double share) => finished.Length == 0 ? double.NaN : finished[Math.Clamp((int)Math.Ceiling(share * finished.Length) - 1, 0, finished.Length - 1)] / 1000;
        Log($"    {enrolled} of {fleet.Count} hold certificates after {total.TotalSeconds:0.0} s " +
            $"(half after {At(0.5):0.0} s, 99% after {At(0.99):0.0} s); failed attempts {failedAttempts} ({string.Join(", ", byStatus.Select(kv => $"{kv.Key} {kv.Value}"))})");
        return new
        {
            devices = fleet.Count,
            enrolled,
            seconds = Math.Round(total.TotalSeconds, 1),
            perSecond = Math.Round(enrolled / total.TotalSeconds, 1),
            halfAfterSeconds = Math.Round(At(0.5), 1),
            p99AfterSeconds = Math.Round(At(0.99), 1),
            failedAttempts,
            failures = byStatus,
            serviceCpuMsPerEnrollment = Math.Round(used.ServiceMs / Math.Max(1, enrolled), 2),
            loadGeneratorCpuMsPerEnrollment = Math.Round(used.OwnMs / Math.Max(1, enrolled), 2),
        };
    }

    /// <summary>One device, once: its key and request made here, its token, a TLS connection of its own.</summary>
    private static async Task<bool> EnrollOnceAsync(EstClient est, (string Id, string Token) device, CancellationToken ct)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var issued = await est.SimpleEnrollAsync(device.Id, device.Token, DeviceKeys.SigningRequest(key, device.Id), ct: ct);
            using var certificate = issued.Certificate;
            return certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false) == device.Id;
        }
        catch (EstRefusedException e) when (e.Status is >= 400 and < 500 && e.Status != 429)
        {
            return false;
        }
    }

    /// <summary>Every request on a new connection (a fleet of devices shares nothing), the server verified against the root.</summary>
    private static SocketsHttpHandler Handler(System.Security.Cryptography.X509Certificates.X509Certificate2 root)
    {
        var handler = TrustedChannel.CreateHandler(root, null, newConnectionPerRequest: true);
        handler.MaxConnectionsPerServer = int.MaxValue;
        handler.SslOptions.AllowTlsResume = false;
        handler.ConnectTimeout = TimeSpan.FromSeconds(60);
        return handler;
    }

    /// <summary>Pending devices with their tokens, written as POST /api/devices would write them.</summary>
    private async Task<IReadOnlyList<(string Id, string Token)>> RegisterAsync(string prefix, int count)
    {
        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(o.Postgres);
            TrackTraceStore.Configure(opts);
        });
        var now = DateTimeOffset.UtcNow;
        var devices = Enumerable.Range(0, count).Select(i => ($"{prefix}-{_runId}-{i:00000}", EnrollmentTokens.New(now, TimeSpan.FromHours(24)))).ToArray();
        await Parallel.ForEachAsync(devices.Chunk(1000), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) =>
        {
            await using var session = store.LightweightSession();
            foreach (var (id, token) in chunk)
            {
                session.Events.StartStream<Device>(Device.StreamKey(id),
                    new DeviceRegistered(id, DeviceRole.Sensor, null, new Dictionary<string, string>(), "bench", now),
                    new EnrollmentTokenIssued(id, token.Stored.TokenSha256, token.Stored.ExpiresAt, "bench", now));
            }

            await session.SaveChangesAsync(ct);
        });
        return devices.Select(d => (d.Item1, d.Item2.Token)).ToArray();
    }

    private static string Why(Exception ex)
    {
        if (ex is EstRefusedException refused)
        {
            return $"{refused.Status}";
        }

        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner.GetType().Name + (inner is System.Net.Sockets.SocketException s ? " " + s.SocketErrorCode : "");
    }

    /// <summary>CPU time of the service (from /proc) and of this process, to be differenced over a scenario.</summary>
    private sealed record CpuSample(int Pid, double ServiceMs, double OwnMs)
    {
        public static CpuSample Take(int pid)
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime + stime, in clock ticks (100/s)
            return new CpuSample(pid, ticks * 10.0, Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds);
        }

        public CpuSample Since()
        {
            var now = Take(Pid);
            return new CpuSample(Pid, now.ServiceMs - ServiceMs, now.OwnMs - OwnMs);
        }
    }

    private static void Log(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
