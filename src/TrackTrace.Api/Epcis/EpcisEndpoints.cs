using Microsoft.Extensions.DependencyInjection.Extensions;
using TrackTrace.Api.Epcis.Capturing;
using TrackTrace.Api.Epcis.CheckingIn;
using TrackTrace.Api.Epcis.CapturingEvent;
using TrackTrace.Api.Epcis.Exporting;
using TrackTrace.Api.Epcis.Querying;

namespace TrackTrace.Api.Epcis;

/// <summary>The EPCIS 2.0 repository under /epcis on the mTLS port: capture, capture jobs, queries.</summary>
public static class EpcisEndpoints
{
    public static IServiceCollection AddEpcis(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<EpcisOptions>(configuration.GetSection("Epcis"));
        services.AddSingleton<CaptureJobs>();
        services.AddSingleton<CaptureSignal>();
        services.AddSingleton<CaptureProcessor>();
        // What a captured event does to shipments; a registration made before wins (tests of the seam).
        services.AddSingleton<CaptureAuthority>();
        services.TryAddSingleton<ICapturedEventStep, ShipmentCheckInStep>();
        services.AddSingleton<PartnerScopes>();
        services.AddHostedService<CaptureWorker>();
        services.AddSingleton<EventSearch>();
        return services;
    }

    public static void MapEpcis(this IEndpointRouteBuilder app)
    {
        var epcis = app.MapGroup("/epcis").WithTags("EPCIS");
        epcis.AddEndpointFilter(async (context, next) =>
        {
            // Every EPCIS answer says which versions it speaks.
            context.HttpContext.Response.Headers["GS1-EPCIS-Version"] = EpcisRequest.EpcisVersion;
            context.HttpContext.Response.Headers["GS1-CBV-Version"] = EpcisRequest.CbvVersion;
            return await next(context);
        });
        epcis.MapCapture();
        epcis.MapCaptureEvent();
        epcis.MapQueries();
    }
}
