using System.Collections.Concurrent;
using MassTransit;
using TrackTrace.Contracts.V1;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// Another system on the bus: a durable queue bound to every TrackTrace integration message,
/// collecting what arrives (with its MessageId) so a test can check what left the service.
/// </summary>
public sealed class BusProbe : IAsyncDisposable
{
    private readonly IBusControl _bus;

    private BusProbe(IBusControl bus) => _bus = bus;

    public ConcurrentQueue<(Guid? MessageId, object Message)> Received { get; } = new();

    /// <param name="cluster">The nodes of a RabbitMQ cluster (host:port): the probe's queue is then a
    /// quorum queue, which keeps what arrived while one node is down.</param>
    public static async Task<BusProbe> StartAsync(Uri broker, IReadOnlyList<string>? cluster = null)
    {
        BusProbe? probe = null;
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(broker, host =>
            {
                if (cluster is { Count: > 0 })
                {
                    host.UseCluster(c => { foreach (var node in cluster) c.Node(node); });
                }
            });
            cfg.ReceiveEndpoint("probe-" + Guid.NewGuid().ToString("N")[..8], e =>
            {
                if (cluster is { Count: > 0 })
                {
                    e.SetQuorumQueue();
                }

                Collect<ShipmentRegistered>(e);
                Collect<StationCheckedIn>(e);
                Collect<OutOfSequenceScanDetected>(e);
                Collect<ColdChainBreached>(e);
                Collect<DeliveryRefused>(e);
                Collect<ShipmentDelivered>(e);
                Collect<CheckInOverdue>(e);
                Collect<DeviceSuspended>(e);
                Collect<DeviceResumed>(e);
                Collect<DeviceRejected>(e);
                Collect<AlertRaised>(e);
            });

            void Collect<T>(IRabbitMqReceiveEndpointConfigurator e) where T : class =>
                e.Handler<T>(context =>
                {
                    probe!.Received.Enqueue((context.MessageId, context.Message));
                    return Task.CompletedTask;
                });
        });
        probe = new BusProbe(bus);
        await bus.StartAsync();
        return probe;
    }

    public IReadOnlyList<T> All<T>(Func<T, bool>? where = null) =>
        Received.Select(r => r.Message).OfType<T>().Where(where ?? (_ => true)).ToArray();

    public Task<T> Single<T>(Func<T, bool> where, string what) =>
        ServiceFixture.Eventually(() => Task.FromResult(All(where).FirstOrDefault()), what: what);

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
