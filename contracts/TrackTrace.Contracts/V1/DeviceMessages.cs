namespace TrackTrace.Contracts.V1;

public sealed record DeviceSuspended(
    Guid EventId, string DeviceId, string Reason, string SuspendedBy, DateTimeOffset SuspendedAt);

public sealed record DeviceResumed(
    Guid EventId, string DeviceId, string Reason, string ResumedBy, DateTimeOffset ResumedAt);

/// <summary>A request refused by the device check (unknown certificate, suspended, attribute mismatch).</summary>
public sealed record DeviceRejected(
    Guid EventId, string AlertId, string? DeviceId, string Reason, string Detail, DateTimeOffset RejectedAt);

/// <summary>
/// A command to TrackTrace (consumed from its queue "suspend-device"): a monitoring system cuts a
/// device off without HTTP. Same effect and audit as POST /api/devices/{id}/suspend.
/// </summary>
public sealed record SuspendDevice(Guid CommandId, string DeviceId, string Reason, string RequestedBy);
