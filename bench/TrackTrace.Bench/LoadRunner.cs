using System.Diagnostics;

namespace TrackTrace.Bench;

/// <summary>
/// Runs N workers against an operation: a warm-up that is not counted, then a measured window.
/// Closed loop (each worker sends its next request when the last one answered), or paced to a
/// target rate across all workers (to measure latency below the peak).
/// </summary>
public static class LoadRunner
{
    /// <param name="operation">Runs one operation for worker w; returns false when the worker has no work left.</param>
    public static async Task<Latencies> RunAsync(
        int workers, TimeSpan warmUp, TimeSpan measure, Func<int, CancellationToken, Task<bool?>> operation,
        double? targetPerSecond = null)
    {
        var result = new Latencies();
        var clock = Stopwatch.StartNew();
        var measureFrom = warmUp;
        var stopAt = warmUp + measure;
        var exhausted = 0;
        long started = 0;
        using var stop = new CancellationTokenSource();
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            while (clock.Elapsed < stopAt)
            {
                var begin = clock.Elapsed;
                if (targetPerSecond is { } rate)
                {
                    // Pacing: request n is due at n / rate seconds. A late request is timed from when it
                    // was due, so a slow server cannot hide its queue (no coordinated omission).
                    var n = Interlocked.Increment(ref started);
                    var due = TimeSpan.FromSeconds(n / rate);
                    if (due > clock.Elapsed)
                    {
                        await Task.Delay(due - clock.Elapsed);
                    }

                    begin = due;
                }

                bool? ok;
                try
                {
                    ok = await operation(w, stop.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    ok = false;
                }

                if (ok is null)
                {
                    Interlocked.Increment(ref exhausted);
                    return;
                }

                if (begin < measureFrom || clock.Elapsed > stopAt)
                {
                    continue;
                }

                if (ok == true)
                {
                    result.Add((clock.Elapsed - begin).TotalMilliseconds);
                }
                else
                {
                    result.Error();
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        result.Window = (clock.Elapsed < stopAt ? clock.Elapsed : stopAt) - measureFrom;
        if (exhausted > 0)
        {
            Console.WriteLine($"  note: {exhausted} workers ran out of work before the window ended");
        }

        return result;
    }
}
