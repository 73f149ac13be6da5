using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Cluster;

/// <summary>
/// Scanners working through the balancer as a warehouse would: each worker registers a
/// road-domestic shipment and checks it in at the factory, the truck and the destination, one
/// scanner per station. A scan whose connection broke is sent again with the same scanId (as a
/// scanner retries) until it is answered; every answer is kept.
/// </summary>
public sealed class ScanLoad : IAsyncDisposable
{
    private readonly ClusterTopology _topology;
    private readonly HttpClient[] _scanners;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private int _transportErrors;

    public sealed record Answer(string ShipmentId, Guid ScanId, int Leg, HttpStatusCode Status, string Body);

    private ScanLoad(ClusterTopology topology, HttpClient[] scanners, int workers)
    {
        _topology = topology;
        _scanners = scanners;
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    public ConcurrentQueue<Answer> Answers { get; } = new();
    public ConcurrentQueue<string> Shipments { get; } = new();
    public int TransportErrors => _transportErrors;
    public int Accepted => Answers.Count(a => a.Status == HttpStatusCode.Created);

    public static async Task<ScanLoad> StartAsync(ClusterTopology topology, int workers = 6)
    {
        var scanners = new List<HttpClient>();
        foreach (var type in new[] { "factory", "truck", "destination" })
        {
            var station = await topology.Api.RegisterStationAsync(type);
            scanners.Add(topology.Through(await topology.Api.EnrollAsync("scanner", station)));
        }

        return new ScanLoad(topology, scanners.ToArray(), workers);
    }

    /// <summary>Waits until <paramref name="count"/> scans were accepted in all.</summary>
    public Task WaitForAcceptedAsync(int count, TimeSpan within, string what) =>
        ServiceFixture.Eventually(() =>
        {
            var failed = _workers.FirstOrDefault(w => w.IsFaulted);
            if (failed is not null) throw new InvalidOperationException("a scanner failed", failed.Exception);
            return Task.FromResult(Accepted >= count);
        }, within, what);

    /// <summary>Stops after the scans in flight are answered.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await Task.WhenAll(_workers);
        }
        catch (Exception)
        {
            // Already reported by the test that awaited StopAsync.
        }

        foreach (var scanner in _scanners) scanner.Dispose();
    }

    private async Task WorkAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var shipment = ServiceFixture.NewId("CLU");
            var registered = await UntilAnsweredAsync(() => _topology.Admin.PostAsJsonAsync("/api/shipments",
                new { shipmentId = shipment, route = "road-domestic", description = "cluster load" }));
            // 409: an attempt whose answer was lost had registered it.
            if (registered.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new InvalidOperationException($"registering {shipment}: {(int)registered.StatusCode} {await registered.Content.ReadAsStringAsync()}");
            }

            Shipments.Enqueue(shipment);
            for (var leg = 0; leg < _scanners.Length && !_stop.IsCancellationRequested; leg++)
            {
                var scanId = Guid.NewGuid();
                var at = DateTimeOffset.UtcNow;
                var scanner = _scanners[leg];
                var response = await UntilAnsweredAsync(() => ServiceFixture.ScanAsync(scanner, shipment, scanId, at));
                Answers.Enqueue(new Answer(shipment, scanId, leg + 1, response.StatusCode, await response.Content.ReadAsStringAsync()));
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    break;
                }
            }
        }
    }

    private async Task<HttpResponseMessage> UntilAnsweredAsync(Func<Task<HttpResponseMessage>> send)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                return await send();
            }
            catch (Exception e) when ((e is HttpRequestException or IOException or TaskCanceledException) && DateTime.UtcNow < deadline)
            {
                // The instance holding the connection died: the scanner sends the same scan again.
                Interlocked.Increment(ref _transportErrors);
                await Task.Delay(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            }
        }
    }
}
