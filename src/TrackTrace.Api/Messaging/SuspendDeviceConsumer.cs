using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Devices;
using TrackTrace.Api.Hosting;
using TrackTrace.Contracts.V1;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Messaging;

/// <summary>
/// A monitoring system suspends a device without HTTP: same decider, write path and audit as the
/// admin endpoint, audited as <c>bus:&lt;sender&gt;</c>. The bus is trusted less than an admin: the
/// reason is bounded like the endpoint's, an admin device cannot be suspended from it, and when
/// <c>Devices:BusSenders</c> names RabbitMQ users only their messages count (RabbitMQ itself checks
/// that a message's user_id is the user that published it). Redelivery changes nothing twice.
/// </summary>
public sealed class SuspendDeviceConsumer(
    DeviceRegistry registry, IOptions<DeviceOptions> options, ILogger<SuspendDeviceConsumer> logger)
    : IConsumer<SuspendDevice>
{
    public const string Queue = "suspend-device";
    public const int MaxRequestedByLength = 100;

    public async Task Consume(ConsumeContext<SuspendDevice> context)
    {
        var command = context.Message;
        var sender = Sender(context);
        var allowed = options.Value.BusSenders;
        if (allowed.Count > 0 && (sender is null || !allowed.Contains(sender)))
        {
            logger.LogWarning("Refused SuspendDevice {CommandId} for {DeviceId}: sender {Sender} is not one of Devices:BusSenders",
                command.CommandId, command.DeviceId, sender ?? "(no user_id)");
            return;
        }

        if (!DeviceId.IsValid(command.DeviceId) || string.IsNullOrWhiteSpace(command.RequestedBy) ||
            command.RequestedBy.Length > MaxRequestedByLength)
        {
            logger.LogWarning("Ignored SuspendDevice {CommandId}: a valid deviceId and requestedBy (1-{Max} characters) are required",
                command.CommandId, MaxRequestedByLength);
            return;
        }

        var by = new Actor(ActorKind.Bus, sender is null ? command.RequestedBy.Trim() : $"{sender}/{command.RequestedBy.Trim()}");
        var result = await registry.ChangeAsync(command.DeviceId, device =>
            DeviceDecider.Suspend(device, command.Reason, by, registry.Now), context.CancellationToken);
        logger.LogInformation("SuspendDevice {CommandId} for {DeviceId} from {By}: {Outcome}",
            command.CommandId, command.DeviceId, by, result.Refusal?.Code ?? "suspended");
    }

    /// <summary>The RabbitMQ user that published the message, when it said so (the broker verified it).</summary>
    private static string? Sender(ConsumeContext context) =>
        context.ReceiveContext is RabbitMqReceiveContext rabbit && !string.IsNullOrEmpty(rabbit.Properties.UserId)
            ? rabbit.Properties.UserId
            : null;
}
