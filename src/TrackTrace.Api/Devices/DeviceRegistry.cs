using TrackTrace.Api.Hosting;
using JasperFx;
using System.Security.Cryptography.X509Certificates;
using Marten;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices;

public enum DeviceChange
{
    Done,
    Unchanged,
    NotFound,
    DeviceExists,
    CertificateTaken,
}

public sealed record DeviceChangeResult(DeviceChange Outcome, Device? Device);

/// <summary>
/// The one write path for devices: load the stream, append the fact, save. The inline projection
/// updates the attribute store in the same transaction, so once this returns every instance's
/// next request sees the change.
/// </summary>
public sealed class DeviceRegistry(IDocumentStore store, TimeProvider clock)
{
    public static DeviceCertificateInfo Describe(X509Certificate2 certificate) => new(
        Fingerprints.Sha256(certificate), certificate.Subject, certificate.Issuer,
        certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());

    public async Task<DeviceChangeResult> EnrollAsync(
        string deviceId, DeviceRole role, string? stationId, X509Certificate2 certificate,
        IReadOnlyDictionary<string, string> attributes, string enrolledBy, CancellationToken ct)
    {
        var enrolled = new DeviceEnrolled(deviceId, role, stationId, Describe(certificate), attributes, enrolledBy,
            clock.GetUtcNow());
        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<Device>(Device.StreamKey(deviceId), enrolled);
            await session.SaveChangesAsync(ct);
            return new DeviceChangeResult(DeviceChange.Done, Device.Create(enrolled));
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            return new DeviceChangeResult(DeviceChange.DeviceExists, null);
        }
        catch (DocumentAlreadyExistsException)
        {
            return new DeviceChangeResult(DeviceChange.CertificateTaken, null);
        }
    }

    public Task<DeviceChangeResult> BindCertificateAsync(
        string deviceId, X509Certificate2 certificate, string boundBy, CancellationToken ct) =>
        ChangeAsync(deviceId, _ => new DeviceCertificateBound(deviceId, Describe(certificate), boundBy, clock.GetUtcNow()), ct);

    public Task<DeviceChangeResult> ChangeAttributesAsync(
        string deviceId, IReadOnlyDictionary<string, string> attributes, string changedBy, string reason,
        CancellationToken ct) =>
        ChangeAsync(deviceId, device => SameAttributes(device.Attributes, attributes)
            ? null
            : new DeviceAttributesChanged(deviceId, device.Attributes, attributes, changedBy, reason, clock.GetUtcNow()), ct);

    public Task<DeviceChangeResult> SuspendAsync(string deviceId, string reason, string suspendedBy, CancellationToken ct) =>
        ChangeAsync(deviceId, device => device.Status == DeviceStatus.Suspended
            ? null
            : new DeviceSuspended(deviceId, reason, suspendedBy, clock.GetUtcNow()), ct);

    public Task<DeviceChangeResult> ResumeAsync(string deviceId, string reason, string resumedBy, CancellationToken ct) =>
        ChangeAsync(deviceId, device => device.Status == DeviceStatus.Active
            ? null
            : new DeviceResumed(deviceId, reason, resumedBy, clock.GetUtcNow()), ct);

    private async Task<DeviceChangeResult> ChangeAsync(string deviceId, Func<Device, object?> decide, CancellationToken ct)
    {
        try
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<Device>(Device.StreamKey(deviceId), ct);
            if (stream.Aggregate is not { } device)
            {
                return new DeviceChangeResult(DeviceChange.NotFound, null);
            }

            var fact = decide(device);
            if (fact is null)
            {
                return new DeviceChangeResult(DeviceChange.Unchanged, device);
            }

            stream.AppendOne(fact);
            await session.SaveChangesAsync(ct);
            return new DeviceChangeResult(DeviceChange.Done, Evolve(device, fact));
        }
        catch (DocumentAlreadyExistsException)
        {
            return new DeviceChangeResult(DeviceChange.CertificateTaken, null);
        }
    }

    private static Device Evolve(Device device, object fact) => fact switch
    {
        DeviceCertificateBound e => device.Apply(e),
        DeviceAttributesChanged e => device.Apply(e),
        DeviceSuspended e => device.Apply(e),
        DeviceResumed e => device.Apply(e),
        _ => device,
    };

    private static bool SameAttributes(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
