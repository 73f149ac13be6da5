using Marten;
using Microsoft.Extensions.Caching.Memory;
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
}
