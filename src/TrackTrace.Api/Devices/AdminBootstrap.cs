using System.Security.Cryptography.X509Certificates;
using Marten;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices;

/// <summary>
/// Someone has to enroll the first device. At start-up the certificate named by
/// Devices:BootstrapAdminCertificate is enrolled as device "admin" (role admin), or bound to it when
/// the PKI was renewed. Recorded like any enrollment, by "bootstrap".
/// </summary>
public sealed class AdminBootstrap(
    IOptions<DeviceOptions> options, IDocumentStore store, DeviceRegistry registry, ILogger<AdminBootstrap> logger)
    : IHostedService
{
    public const string AdminDeviceId = "admin";

    public async Task StartAsync(CancellationToken ct)
    {
        var path = options.Value.BootstrapAdminCertificate;
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(path, ct));
        await using var query = store.QuerySession();
        var admin = await query.LoadAsync<Device>(Device.StreamKey(AdminDeviceId), ct);
        var fingerprint = Fingerprints.Sha256(certificate);
        var result = admin switch
        {
            null => await registry.EnrollAsync(AdminDeviceId, DeviceRole.Admin, null, certificate,
                new Dictionary<string, string>(), "bootstrap", ct),
            _ when admin.Certificates.Any(c => c.Fingerprint == fingerprint) => null,
            _ => await registry.BindCertificateAsync(AdminDeviceId, certificate, "bootstrap", ct),
        };
        if (result is not null)
        {
            logger.LogInformation("Bootstrap admin certificate {Fingerprint} from {Path}: {Outcome}", fingerprint, path,
                result.Outcome);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
