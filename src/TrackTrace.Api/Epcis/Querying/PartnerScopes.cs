using Marten;
using TrackTrace.Api.Stations;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.Api.Epcis.Querying;

/// <summary>
/// A partner's reading scope, from the device as the attribute store holds it now: the events it
/// captured, and those at the stations its <c>stations</c> attribute names, under every name such a
/// station has in EPCIS (its GLN's Digital Link and our station URN).
/// </summary>
public sealed class PartnerScopes(IDocumentStore store, StationLookup stations)
{
    public async Task<QueryScope> ForAsync(string deviceId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var device = await session.LoadAsync<Device>(Device.StreamKey(deviceId), ct);
        var locations = new List<string>();
        foreach (var stationId in device is null ? new HashSet<string>() : DeviceRoles.StationsServed(device))
        {
            locations.Add(EpcisSubjects.StationUrn + stationId);
            if (await stations.FindAsync(stationId, ct) is { Gln: { } gln } && EpcIdentifier.GlnToDigitalLink(gln) is { } link)
            {
                locations.Add(link);
            }
        }

        return new QueryScope(deviceId, locations);
    }
}
