using Marten;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.RenewingCertificate;

/// <summary>
/// Records the retirement of renewed certificates whose grace ended before their successor was
/// used, every <c>Devices:RenewalSweepInterval</c>. The device check already refuses such a
/// certificate from the moment its grace ends (<see cref="DeviceAccessPolicy"/>); this makes it a
/// fact in the audit. Every instance may sweep: a certificate retired by another changes nothing.
/// </summary>
public sealed class RenewalGraceSweep(
    IDocumentStore store, DeviceRegistry registry, TimeProvider clock, IOptions<DeviceOptions> options, ILogger<RenewalGraceSweep> logger)
    : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RenewalSweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "The renewal-grace sweep failed; it tries again in {Interval}", options.Value.RenewalSweepInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Retires what is due now; returns how many devices had something retired.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<string> due;
        await using (var query = store.QuerySession())
        {
            due = await query.Query<Device>()
                .Where(d => d.RetirementDueAt != null && d.RetirementDueAt <= now)
                .OrderBy(d => d.RetirementDueAt)
                .Select(d => d.DeviceId)
                .Take(BatchSize)
                .ToListAsync(ct);
        }

        var retired = 0;
        foreach (var deviceId in due)
        {
            var result = await registry.ChangeAsync(deviceId, device => DeviceDecider.RetireAfterGrace(device, now), ct);
            retired += result.Changed ? 1 : 0;
        }

        if (retired > 0)
        {
            logger.LogInformation("Retired the renewed certificates of {Count} devices whose grace ended", retired);
        }

        return retired;
    }
}
