using TrackTrace.Api.Hosting;
using TrackTrace.Api.Shipments.AttachingSensors;
using TrackTrace.Api.Shipments.GettingColdChain;
using TrackTrace.Api.Shipments.GettingShipment;
using TrackTrace.Api.Shipments.GettingTimeline;
using TrackTrace.Api.Shipments.ListingShipments;
using TrackTrace.Api.Shipments.MonitoringOverdue;
using TrackTrace.Api.Shipments.RecordingReadings;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Api.Shipments.RegisteringShipment;
using TrackTrace.Api.Shipments.ReleasingDelivery;
using TrackTrace.Api.Stations;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments;

public static class ShipmentEndpoints
{
    public static IServiceCollection AddShipments(this IServiceCollection services) => services
        .AddSingleton<ShipmentStreams>()
        .AddSingleton<ShipmentCommands>()
        .AddSingleton<StationLookup>()
        .AddSingleton<ColdChainLedger>()
        .AddSingleton<RecordScanHandler>()
        .AddSingleton<OverdueMonitor>()
        .AddHostedService(sp => sp.GetRequiredService<OverdueMonitor>());

    public static void MapShipments(this RouteGroupBuilder api)
    {
        var shipments = api.MapGroup("/shipments").WithTags("Shipments");
        shipments.MapRegisterShipment();
        shipments.MapListShipments();

        var shipment = shipments.MapGroup("/{shipmentId}").AddEndpointFilter(OnlyShipmentIds);
        shipment.MapGetShipment();
        shipment.MapGetTimeline();
        shipment.MapSensors();
        shipment.MapRecordReadings();
        shipment.MapColdChainViews();
        shipment.MapReleaseDelivery();

        api.MapRecordScan();
    }

    /// <summary>
    /// Every /shipments/{id} endpoint serves shipment streams only. Stream keys of devices, stations and
    /// alerts are lower-case ("device-admin") and so never a valid shipment id: they are not found here.
    /// </summary>
    private static async ValueTask<object?> OnlyShipmentIds(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var id = context.HttpContext.GetRouteValue("shipmentId") as string;
        return ShipmentId.IsValid(id, out _)
            ? await next(context)
            : Problems.From(ShipmentRefusals.NotFound(id ?? ""));
    }
}
