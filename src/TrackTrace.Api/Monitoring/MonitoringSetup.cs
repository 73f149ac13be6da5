using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Routes;

namespace TrackTrace.Api.Monitoring;

public static class MonitoringSetup
{
    /// <summary>Where requests come from (the PROXY protocol, sightings) and the rules that judge it.</summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<MonitoringOptions>(config.GetSection("Devices"));
        services.Configure<ProxyProtocolOptions>(config.GetSection(ProxyProtocolOptions.Section));
        services.AddSingleton(sp => TrustedProxies.From(sp.GetRequiredService<IOptions<ProxyProtocolOptions>>().Value));
        services.AddSingleton<SightingLedger>();
        services.AddSingleton<DeviceMonitor>();
        services.AddSingleton<SightingRules>();
        services.AddSingleton<DeviceSightings>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceSightings>());
        return services;
    }

    /// <summary>Trusted proxies and rule settings that cannot work stop the service at start-up, naming the keys.</summary>
    public static void CheckMonitoring(this IServiceProvider services)
    {
        services.GetRequiredService<TrustedProxies>();
        var stationTypes = services.GetRequiredService<RouteCatalog>().StationTypes.Select(t => t.Id).ToArray();
        var problems = services.GetRequiredService<IOptions<MonitoringOptions>>().Value.Problems(stationTypes).ToArray();
        if (problems.Length > 0)
        {
            throw new InvalidSettingException(string.Join(Environment.NewLine, problems));
        }
    }
}
