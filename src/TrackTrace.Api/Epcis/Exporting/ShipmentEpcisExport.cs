using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Npgsql;
using TrackTrace.Domain.Epcis;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Epcis.Exporting;

/// <summary>
/// Makes every shipment fact queryable as EPCIS: a Marten subscription (run by the async daemon on
/// one instance at a time, resumed from its stored position) that writes each check-in, refusal,
/// release, return and out-of-sequence scan into the EPCIS tables as an ObjectEvent (mapping in
/// <see cref="ShipmentEpcis"/>). The eventID is the fact's id, so a page written again after a
/// crash (at least once) stores nothing twice.
/// </summary>
public sealed class ShipmentEpcisExport : SubscriptionBase
{
    public const string CapturedBy = "tracktrace";

    private readonly NpgsqlDataSource _dataSource;
    private readonly RouteCatalog _routes;

    public ShipmentEpcisExport(NpgsqlDataSource dataSource, RouteCatalog routes)
    {
        _dataSource = dataSource;
        _routes = routes;
        Name = "epcis-export";
        foreach (var type in ShipmentEpcis.Mapped)
        {
            IncludeType(type);
        }

        Options.BatchSize = 500;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken ct)
    {
        // What the mapping needs besides the fact: each station's GLN and each shipment's leg count,
        // read with one query per kind for the whole page (a page holds up to 500 facts).
        var facts = page.Events
            .Select(e => (Event: e, Shipment: ShipmentEpcis.ShipmentOf(e.Data), Station: ShipmentEpcis.StationOf(e.Data)))
            .Where(f => f.Shipment is not null)
            .ToList();
        if (facts.Count == 0)
        {
            return NullChangeListener.Instance;
        }

        var stationKeys = facts.Select(f => f.Station).OfType<string>().Distinct().Select(Station.StreamKey).ToArray();
        var glns = stationKeys.Length == 0
            ? new Dictionary<string, string?>()
            : (await operations.LoadManyAsync<Station>(ct, stationKeys)).ToDictionary(s => s.Id, s => s.Gln);
        var legs = (await operations.LoadManyAsync<Shipment>(ct, facts.Select(f => f.Shipment!).Distinct().ToArray())).ToDictionary(
            s => s.Id, s => _routes.TryGet(s.RouteId, out var workflow) ? workflow.Route.Legs.Count : (int?)null);

        var events = new List<CapturedEvent>();
        foreach (var (e, shipmentId, stationId) in facts)
        {
            var gln = stationId is null ? null : glns.GetValueOrDefault(Station.StreamKey(stationId));
            var setting = new ShipmentEpcis.Setting(gln, legs.GetValueOrDefault(shipmentId!));
            if (ShipmentEpcis.ToEpcis(e.Id, e.Data, setting, e.Timestamp) is { } exported)
            {
                events.Add(exported.Event);
            }
        }

        if (events.Count > 0)
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            // Duplicates are facts exported before a crash: already there, nothing to do.
            await EpcisEventWriter.InsertAsync(connection, transaction, events, ShipmentEpcis.Context, null, CapturedBy, ct);
            await transaction.CommitAsync(ct);
        }

        return NullChangeListener.Instance;
    }
}
