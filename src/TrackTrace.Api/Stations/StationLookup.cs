using Marten;
using Microsoft.Extensions.Caching.Memory;
using TrackTrace.Domain.Epcis;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Stations;

/// <summary>
/// Stations are registered once and never change, so a scan need not read its station from the
/// database every time. Unknown ids are not remembered: a station registered a moment ago is found.
/// </summary>
public sealed class StationLookup(IDocumentStore store)
{
    private readonly MemoryCache _stations = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public async Task<Station?> FindAsync(string stationId, CancellationToken ct)
    {
        if (_stations.TryGetValue(stationId, out Station? station))
        {
            return station;
        }

        await using var session = store.QuerySession();
        station = await session.LoadAsync<Station>(Station.StreamKey(stationId), ct);
        if (station is not null)
        {
            _stations.Set(stationId, station, new MemoryCacheEntryOptions().SetSize(1));
        }

        return station;
    }

    /// <summary>A station an EPCIS event names, by id or by GLN (the first registered with it, by id).</summary>
    public async Task<Station?> FindAsync(StationReference reference, CancellationToken ct)
    {
        if (reference.StationId is { } id)
        {
            return await FindAsync(id, ct);
        }

        var key = "gln:" + reference.Gln;
        if (_stations.TryGetValue(key, out Station? station))
        {
            return station;
        }

        await using var session = store.QuerySession();
        station = (await session.Query<Station>().Where(s => s.Gln == reference.Gln).OrderBy(s => s.StationId).Take(1).ToListAsync(ct))
            .FirstOrDefault();
        if (station is not null)
        {
            _stations.Set(key, station, new MemoryCacheEntryOptions().SetSize(1));
        }

        return station;
    }
}
