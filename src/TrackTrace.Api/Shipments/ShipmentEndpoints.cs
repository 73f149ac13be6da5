using TrackTrace.Api.ColdChain;
using TrackTrace.Api.Shipments.GettingShipment;
using TrackTrace.Api.Shipments.GettingTimeline;
using TrackTrace.Api.Shipments.ListingShipments;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Api.Shipments.RegisteringShipment;
using TrackTrace.Api.Stations;

namespace TrackTrace.Api.Shipments;

public static class ShipmentEndpoints
{
    public static IServiceCollection AddShipments(this IServiceCollection services) => services
        .AddSingleton<ShipmentStreams>()
        .AddSingleton<StationLookup>()
        .AddSingleton<ColdChainLedger>();

    public static void MapShipments(this RouteGroupBuilder api)
    {
        var shipments = api.MapGroup("/shipments").WithTags("Shipments");
        shipments.MapRegisterShipment();
        shipments.MapListShipments();
        shipments.MapGetShipment();
        shipments.MapGetTimeline();
        shipments.MapColdChain();
        api.MapRecordScan();
    }
}
