using MassTransit;
using TrackTrace.Api.Devices;
using TrackTrace.Contracts.V1;

namespace TrackTrace.Api.Messaging;

/// <summary>
/// A monitoring system suspends a device without HTTP. Same write path and audit as the admin
/// endpoint; redelivery is harmless because suspending a suspended device changes nothing.
/// </summary>
public sealed class SuspendDeviceConsumer(DeviceRegistry registry, ILogger<SuspendDeviceConsumer> logger)
    : IConsumer<SuspendDevice>
{
    public const string Queue = "suspend-device";

    public async Task Consume(ConsumeContext<SuspendDevice> context)
    {
        var command = context.Message;
        if (string.IsNullOrWhiteSpace(command.DeviceId) || string.IsNullOrWhiteSpace(command.Reason) ||
            string.IsNullOrWhiteSpace(command.RequestedBy))
        {
            logger.LogWarning("Ignored SuspendDevice {CommandId}: deviceId, reason and requestedBy are required",
                command.CommandId);
            return;
        }

        var result = await registry.SuspendAsync(command.DeviceId, command.Reason, $"bus:{command.RequestedBy}",
            context.CancellationToken);
        logger.LogInformation("SuspendDevice {CommandId} for {DeviceId} from {RequestedBy}: {Outcome}",
            command.CommandId, command.DeviceId, command.RequestedBy, result.Outcome);
    }
}
