using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;

namespace TrackTrace.Api.Messaging;

public static class MessagingSetup
{
    /// <summary>
    /// MassTransit over RabbitMQ. The service must keep taking scans while the broker is down, so
    /// the bus starts in the background and keeps reconnecting; health reports it as degraded.
    /// </summary>
    public static IServiceCollection AddTrackTraceMessaging(this IServiceCollection services)
    {
        services.AddMassTransit(bus =>
        {
            // One at a time, in the order they were sent: suspensions are rare, and a monitoring system
            // that sends several expects them applied as it sent them.
            bus.AddConsumer<SuspendDeviceConsumer>().Endpoint(e =>
            {
                e.Name = SuspendDeviceConsumer.Queue;
                e.ConcurrentMessageLimit = 1;
            });
            bus.ConfigureHealthCheckOptions(o =>
            {
                o.Name = "rabbitmq";
                o.MinimalFailureStatus = HealthStatus.Degraded;
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(context.GetRequiredService<IOptions<RabbitMqOptions>>().Value.Uri));
                rabbit.ConfigureEndpoints(context);
            });
        });
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }
}
