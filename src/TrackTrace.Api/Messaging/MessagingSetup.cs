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
                // In a cluster the queue must outlive any one node: a quorum queue keeps its commands
                // while a majority of the nodes is up.
                e.AddConfigureEndpointCallback((context, endpoint) =>
                {
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit &&
                        context.GetRequiredService<IOptions<RabbitMqOptions>>().Value.QuorumQueues)
                    {
                        rabbit.SetQuorumQueue();
                    }
                });
            });
            bus.ConfigureHealthCheckOptions(o =>
            {
                o.Name = "rabbitmq";
                o.MinimalFailureStatus = HealthStatus.Degraded;
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(new Uri(options.Uri), host =>
                {
                    if (options.Nodes.Count > 0)
                    {
                        // The client connects to one of them and, when it goes away, to another.
                        host.UseCluster(cluster => options.Nodes.ForEach(cluster.Node));
                    }
                });
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
