using System.Security.Cryptography.X509Certificates;
using JasperFx;
using Marten;
using TrackTrace.Api.Security;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Stations;
using TrackTrace.Pki;

namespace TrackTrace.Api.Devices;

/// <summary>
/// What a device command came to: the device after it (also when nothing changed), or the refusal.
/// <paramref name="Changed"/>: this call appended facts (a refusal may record some too).
/// </summary>
public sealed record DeviceChangeResult(Device? Device, Refusal? Refusal, bool Changed = false);

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
        certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(),
        Fingerprint.PublicKeySha256Hex(certificate));

    public Task<DeviceChangeResult> EnrollAsync(EnrollDevice command, CancellationToken ct) =>
        StartAsync(command.DeviceId, command.StationId, station => DeviceDecider.Enroll(command, station), ct);

    /// <summary>A pending device and its first enrollment token, in one stream start.</summary>
    public Task<DeviceChangeResult> RegisterAsync(RegisterDevice command, CancellationToken ct) =>
        StartAsync(command.DeviceId, command.StationId, station => DeviceDecider.Register(command, station), ct);

    private async Task<DeviceChangeResult> StartAsync(
        string? deviceId, string? stationId, Func<Station?, Decision> decide, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var station = stationId is null
            ? null
            : await session.LoadAsync<Station>(Station.StreamKey(stationId), ct);
        var decision = decide(station);
        if (decision.Refusal is { } refusal)
        {
            return new DeviceChangeResult(null, refusal);
        }

        try
        {
            session.Events.StartStream<Device>(Device.StreamKey(deviceId!), decision.Events.ToArray());
            await session.SaveChangesAsync(ct);
            return new DeviceChangeResult(decision.Events.Aggregate((Device?)null, Device.Fold), null, Changed: true);
        }
        catch (Exception ex) when (StoreErrors.IsExistingStream(ex))
        {
            return new DeviceChangeResult(null, DeviceRefusals.Exists(deviceId!));
        }
        catch (DocumentAlreadyExistsException)
        {
            return new DeviceChangeResult(null, DeviceRefusals.CertificateTaken());
        }
    }

    /// <summary>
    /// Decides on the device as stored now and appends what the decider said, also the facts a
    /// refusal records; two changes at once take turns (the stream version guards the append, and
    /// the loser decides again on what the winner left, so <paramref name="decide"/> may run more than once).
    /// </summary>
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
                if (decision.Events.Count == 0)
                {
                    return new DeviceChangeResult(device, decision.Refusal);
                }

                stream.AppendMany(decision.Events.ToArray());
                await session.SaveChangesAsync(ct);
                return new DeviceChangeResult(decision.Events.Aggregate(device, Device.Fold), decision.Refusal, Changed: true);
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
