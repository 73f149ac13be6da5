using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Devices.Est;
using TrackTrace.Api.Devices.EnrollingWithToken;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Pki;

namespace TrackTrace.Api.Devices.RenewingCertificate;

/// <summary>
/// POST /.well-known/est/simplereenroll on the mTLS port: the device, already checked like on every
/// request (a suspended or mismatching device never gets here), sends a request for a new key and
/// gets a certificate for it, bound as a renewal of the certificate it authenticated with.
/// </summary>
public sealed class SimpleReenrollHandler(
    DeviceRegistry registry, DeviceCertificateIssuer issuer, IOptions<DeviceOptions> options, ILogger<SimpleReenrollHandler> logger)
{
    public async Task<EnrollmentOutcome> RenewAsync(string deviceId, X509Certificate2 presented, byte[]? body, CancellationToken ct)
    {
        var (csr, unreadable) = EstWire.Decode(body);
        if (unreadable is not null)
        {
            return new EnrollmentOutcome(null, unreadable);
        }

        var presentedKey = Fingerprint.PublicKeySha256Hex(presented);
        if (csr!.PublicKeyFingerprint == presentedKey)
        {
            // Refused before anything is signed; the decider also refuses the keys of the device's other certificates.
            return new EnrollmentOutcome(null, EnrollmentRefusals.KeyReused(deviceId));
        }

        var issued = issuer.Issue(csr, deviceId);
        var command = new RenewCertificate(Fingerprints.Sha256(presented), presentedKey, DeviceRegistry.Describe(issued),
            csr.KeyDescription, options.Value.RenewalGrace, registry.Now);
        var result = await registry.ChangeAsync(deviceId, device => DeviceDecider.Renew(device, command), ct);
        if (result.Refusal is { } refusal)
        {
            issued.Dispose();
            return new EnrollmentOutcome(null, refusal);
        }

        logger.LogInformation("Device {DeviceId} renewed {Old} with a new {Key} key: certificate {New}, old one retired on first use or at {GraceEndsAt}",
            deviceId, command.PresentedFingerprint, csr.KeyDescription, command.Certificate.Fingerprint, command.At + command.Grace);
        Metrics.Renewals.Add(1);
        return new EnrollmentOutcome(issued, null);
    }
}
