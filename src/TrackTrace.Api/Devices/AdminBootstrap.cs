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
/// the PKI was renewed. It carries the operator attributes the configuration expects (e.g. epoch),
/// or the first admin could never be let in. Recorded like any enrollment, by "bootstrap".
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
        var expected = options.Value.ExpectedAttributes
            .Where(a => !Device.ReservedAttributes.Contains(a.Key))
            .ToDictionary(a => a.Key, a => a.Value);
        if (admin is null)
        {
            var enrolled = await registry.EnrollAsync(new EnrollDevice(AdminDeviceId, DeviceRoles.Admin, null,
                DeviceRegistry.Describe(certificate), expected, Actor.Bootstrap, registry.Now), ct);
            logger.LogInformation("Bootstrap admin {Fingerprint} from {Path}: {Outcome}", fingerprint, path,
                enrolled.Refusal?.Code ?? "enrolled");
            return;
        }

        if (admin.Certificates.All(c => c.Fingerprint != fingerprint))
        {
            var bound = await registry.ChangeAsync(AdminDeviceId, device =>
                DeviceDecider.BindCertificate(device, DeviceRegistry.Describe(certificate), Actor.Bootstrap, registry.Now), ct);
            logger.LogInformation("Bootstrap admin {Fingerprint} from {Path}: {Outcome}", fingerprint, path,
                bound.Refusal?.Code ?? "bound");
        }

        if (expected.Any(a => admin.Attributes.GetValueOrDefault(a.Key) != a.Value))
        {
            var merged = new Dictionary<string, string>(admin.Attributes);
            foreach (var (name, value) in expected)
            {
                merged[name] = value;
            }

            await registry.ChangeAsync(AdminDeviceId, device => DeviceDecider.ChangeAttributes(device, merged,
                "start-up: the configuration expects other attribute values", Actor.Bootstrap, registry.Now), ct);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
