using System.Security.Cryptography.X509Certificates;
using JasperFx;
using Marten;
using TrackTrace.Api.Security;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Devices;

/// <summary>What a device command came to: the device after it (also when nothing changed), or the refusal.</summary>
public sealed record DeviceChangeResult(Device? Device, Refusal? Refusal);

/// <summary>
/// The one write path for devices: load the stream, decide with <see cref="DeviceDecider"/>, append,
/// save. The inline projection updates the attribute store in the same transaction, so once this
/// returns every instance's next request sees the change.
/// </summary>
public sealed class DeviceRegistry(IDocumentStore store, TimeProvider clock)
{
    private const int MaxAttempts = 3;

    public DateTimeOffset Now => clock.GetUtcNow();

    public static DeviceCertificateInfo Describe(X509Certificate2 certificate) => new(
        Fingerprints.Sha256(certificate), certificate.Subject, certificate.Issuer,
        certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());

    public async Task<DeviceChangeResult> EnrollAsync(EnrollDevice command, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var station = command.StationId is null
            ? null
            : await session.LoadAsync<Station>(Station.StreamKey(command.StationId), ct);
        var decision = DeviceDecider.Enroll(command, station);
        if (decision.Refusal is { } refusal)
        {
            return new DeviceChangeResult(null, refusal);
        }

        var enrolled = (DeviceEnrolled)decision.Events.Single();
        try
        {
            session.Events.StartStream<Device>(Device.StreamKey(enrolled.DeviceId), enrolled);
            await session.SaveChangesAsync(ct);
            return new DeviceChangeResult(Device.Enrolled(enrolled), null);
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            return new DeviceChangeResult(null, DeviceRefusals.Exists(enrolled.DeviceId));
        }
        catch (DocumentAlreadyExistsException)
        {
            return new DeviceChangeResult(null, DeviceRefusals.CertificateTaken());
        }
    }

    /// <summary>Decides on the device as stored now and appends what the decider said; two admins at once take turns.</summary>
    public async Task<DeviceChangeResult> ChangeAsync(string deviceId, Func<Device, Decision> decide, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var session = store.LightweightSession();
                var stream = await session.Events.FetchForWriting<Device>(Device.StreamKey(deviceId), ct);
                if (stream.Aggregate is not { } device)
                {
                    return new DeviceChangeResult(null, DeviceRefusals.NotFound(deviceId));
                }

                var decision = decide(device);
                if (decision.Refusal is { } refusal)
                {
                    return new DeviceChangeResult(device, refusal);
                }

                if (decision.Events.Count == 0)
                {
                    return new DeviceChangeResult(device, null);
                }

                stream.AppendMany(decision.Events.ToArray());
                await session.SaveChangesAsync(ct);
                return new DeviceChangeResult(decision.Events.Aggregate(device, Device.Fold), null);
            }
            catch (DocumentAlreadyExistsException)
            {
                return new DeviceChangeResult(null, DeviceRefusals.CertificateTaken());
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                // Another change to this device committed first: decide again on what it left.
            }
        }
    }
}
