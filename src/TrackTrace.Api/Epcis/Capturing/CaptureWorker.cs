using Microsoft.Extensions.Options;

namespace TrackTrace.Api.Epcis.Capturing;

/// <summary>Wakes a worker at once when this instance accepts a document; others find it by polling.</summary>
public sealed class CaptureSignal
{
    private readonly SemaphoreSlim _queued = new(0, int.MaxValue);

    public void Queued() => _queued.Release();

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _queued.WaitAsync(timeout, ct);
}

/// <summary>
/// Works off capture jobs on every instance: claims one (FOR UPDATE SKIP LOCKED, with a lease),
/// runs it, looks for the next. A job whose worker died is claimed again when its lease runs out;
/// one that keeps failing is finished as failed after a few attempts, so it cannot block the queue.
/// </summary>
public sealed class CaptureWorker(
    CaptureJobs jobs, CaptureProcessor processor, CaptureSignal signal, IOptions<EpcisOptions> options,
    ILogger<CaptureWorker> logger) : BackgroundService
{
    private const int MaxAttempts = 5;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.CaptureWorkers)).Select(_ => Task.Run(() => RunAsync(stoppingToken))));

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            ClaimedJob? job = null;
            try
            {
                job = await jobs.ClaimAsync(options.Value.CaptureLease, ct);
                if (job is null)
                {
                    await signal.WaitAsync(options.Value.CapturePollInterval, ct);
                    continue;
                }

                if (job.Attempt > MaxAttempts)
                {
                    await processor.FailAsync(job, $"It failed {MaxAttempts} times, last with: {job.LastError}.", ct);
                    continue;
                }

                await processor.ProcessAsync(job, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The job stays claimed until its lease runs out, then it is run again.
                logger.LogWarning(ex, "Capture job {CaptureId} failed and will be retried: {Error}", job?.Id, ex.Message);
                if (job is not null)
                {
                    await jobs.RecordFailureAsync(job, $"{ex.GetType().Name}: {ex.Message}", ct).ContinueWith(_ => { }, CancellationToken.None);
                }

                await Task.Delay(options.Value.CapturePollInterval, ct).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }
}
