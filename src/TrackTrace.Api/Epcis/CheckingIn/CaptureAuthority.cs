using Marten;
using Microsoft.Extensions.Caching.Memory;
using TrackTrace.Api.Stations;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Epcis;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Epcis.CheckingIn;

/// <summary>
/// Which stations a capturing device speaks for: a scanner its own, a partner those it serves
/// (<see cref="DeviceRoles.StationsServed"/>), an admin any. A sensor's events name no station it
/// answers for; its readings count only for shipments it is attached to.
/// </summary>
public sealed class CaptureAuthority(StationLookup stations, IDocumentStore store)
{
    // The device was checked when its request arrived; a capture of many events asks the store once.
    private static readonly TimeSpan DeviceMemory = TimeSpan.FromSeconds(5);
    private readonly MemoryCache _devices = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>The registered station an event happened at (its bizLocation, else its readPoint), if any.</summary>
    public async Task<Station?> StationOfAsync(IndexedEvent e, CancellationToken ct) =>
        EpcisSubjects.PlaceOf(e) is { } place ? await stations.FindAsync(place, ct) : null;

    /// <summary>
    /// Why this device may not capture at this station, or null when it may. Events at places that are
    /// no registered station are not anybody's check-in, so anyone who may capture may store them.
    /// </summary>
    public static string? OutsideAuthority(Device device, Station? station)
    {
        if (station is null || device.Role is DeviceRole.Admin or DeviceRole.Sensor)
        {
            return null;
        }

        var served = DeviceRoles.StationsServed(device);
        return served.Contains(station.StationId)
            ? null
            : $"device '{device.DeviceId}' ({DeviceRoles.Name(device.Role)}) captures only for {(served.Count == 0 ? "no station" : string.Join(", ", served.Order()))}; " +
              $"this event is at station '{station.StationId}'";
    }

    /// <summary>The first event of a document that the device may not capture, as a refusal; null when it may capture all.</summary>
    public async Task<string?> FirstOutsideAuthorityAsync(string deviceId, IEnumerable<IndexedEvent> events, CancellationToken ct)
    {
        if (await DeviceAsync(deviceId, ct) is not { } device || device.Role is DeviceRole.Admin or DeviceRole.Sensor)
        {
            return null;
        }

        foreach (var e in events)
        {
            var station = await StationOfAsync(e, ct);
            if (OutsideAuthority(device, station) is { } refusal)
            {
                return $"event '{e.EventId}': {refusal}. Nothing of the document was stored (rollback).";
            }
        }

        return null;
    }

    public async Task<Device?> DeviceAsync(string deviceId, CancellationToken ct)
    {
        if (_devices.TryGetValue(deviceId, out Device? device))
        {
            return device;
        }

        await using var session = store.QuerySession();
        device = await session.LoadAsync<Device>(Device.StreamKey(deviceId), ct);
        _devices.Set(deviceId, device, new MemoryCacheEntryOptions().SetSize(1).SetAbsoluteExpiration(DeviceMemory));
        return device;
    }
}
