using System.Diagnostics;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Devices;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Messaging;

/// <summary>
/// Publishes integration messages from the committed event store (a Marten subscription run by the
/// async daemon on one instance at a time). Marten records the subscription's position only after
/// a page is published, so every committed fact leaves at least once, even if RabbitMQ was down at
/// commit time or the service died in between; and nothing leaves that was not committed. While
/// the broker is away the page is retried until it is accepted; scans are not held up by it.
/// </summary>
public sealed class IntegrationPublisher : SubscriptionBase
{
    public const string SubscriptionName = "integration-publisher";

    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    // Publishing a page as a few steady streams rather than all at once keeps its CPU from
    // arriving in bursts that scans would feel as latency; 32 in flight still moves >10,000/s.
    private const int InFlight = 32;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly IBus _bus;
    private readonly ILogger<IntegrationPublisher> _logger;

    public IntegrationPublisher(IBus bus, ILogger<IntegrationPublisher> logger)
    {
        _bus = bus;
        _logger = logger;
        Name = SubscriptionName;
        // The facts ContractMapping turns into messages; the others need not be read at all.
        IncludeType<ShipmentRegistered>();
        IncludeType<StationCheckedIn>();
        IncludeType<OutOfSequenceScanRecorded>();
        IncludeType<ColdChainBreached>();
        IncludeType<DeliveryRefused>();
        IncludeType<ShipmentDelivered>();
        IncludeType<CheckInOverdue>();
        IncludeType<DeviceSuspended>();
        IncludeType<DeviceResumed>();
        IncludeType<AlertRaised>();
        Options.BatchSize = 500;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken ct)
    {
        var outgoing = page.Events
            .SelectMany(e => ContractMapping.ToMessages(e).Select((message, i) =>
                (Message: message, Id: MessageId(e.Id, i), Trace: Telemetry.StoredTraceContext(e.GetHeader(Telemetry.TraceParentHeader)))))
            .ToArray();
        await Parallel.ForEachAsync(outgoing, new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = ct },
            async (o, token) =>
            {
                // The request that stored the fact is long gone: the publish links back to its trace.
                using var span = o.Trace is { } stored
                    ? Telemetry.Source.StartActivity($"publish {o.Message.GetType().Name}", ActivityKind.Producer, parentContext: stored)
                    : null;
                span?.SetTag("messaging.message.id", o.Id.ToString());
                await PublishUntilAcceptedAsync(o.Message, o.Id, token);
            });
        Metrics.MessagesPublished.Add(outgoing.Length);
        return NullChangeListener.Instance;
    }

    private async Task PublishUntilAcceptedAsync(object message, Guid messageId, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(AttemptTimeout);
            try
            {
                await _bus.Publish(message, message.GetType(),
                    Pipe.Execute<PublishContext>(context => context.MessageId = messageId), timeout.Token);
                return;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                if (attempt == 1 || attempt % 20 == 0)
                {
                    _logger.LogWarning("Publishing {MessageType} {MessageId} failed (attempt {Attempt}), retrying: {Error}",
                        message.GetType().Name, messageId, attempt, ex.Message);
                }

                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Stable per (fact, message) so a republished message carries the same MessageId.</summary>
    private static Guid MessageId(Guid eventId, int index)
    {
        if (index == 0)
        {
            return eventId;
        }

        Span<byte> bytes = stackalloc byte[16];
        eventId.TryWriteBytes(bytes);
        bytes[15] ^= (byte)index;
        return new Guid(bytes);
    }
}
