using Marten;
using TrackTrace.Domain;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// Reads the device attribute store. Asked on every request and never cached: a suspension or an
/// attribute change committed by any instance is seen by the very next request on every instance.
/// One primary-key join, so its cost does not grow with the number of enrolled devices.
/// </summary>
public sealed class DeviceDirectory(IDocumentStore store)
{
    private const string ByFingerprint =
        $"select d.data from {TrackTraceStore.Schema}.mt_doc_device d " +
        $"join {TrackTraceStore.Schema}.mt_doc_devicecertificate c on d.id = '{Device.StreamPrefix}' || c.device_id " +
        "where c.id = ?";

    public async Task<Device?> FindByCertificateAsync(string fingerprint, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var found = await session.QueryAsync<Device>(ByFingerprint, ct, fingerprint);
        return found.Count == 0 ? null : found[0];
    }
}
