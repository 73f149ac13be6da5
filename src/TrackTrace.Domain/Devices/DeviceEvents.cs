using TrackTrace.Domain.Facts;

namespace TrackTrace.Domain.Devices;

public enum DeviceRole
{
    Scanner,
    Sensor,
    Staff,
    Admin,

    /// <summary>A partner's system (warehouse, carrier, customs broker) capturing EPCIS events for the stations it serves.</summary>
    Partner,
}

public enum DeviceStatus
{
    Active,
    Suspended,
}

/// <summary>An X.509 client certificate bound to a device, identified by the SHA-256 of its DER.</summary>
public sealed record DeviceCertificateInfo(
    string Fingerprint, string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

// Facts on a device's stream (stream key device-{id}): the audit trail of who changed what and why.
// Past tense, immutable, never renamed once stored.

public sealed record DeviceEnrolled(
    string DeviceId,
    DeviceRole Role,
    string? StationId,
    DeviceCertificateInfo Certificate,
    IReadOnlyDictionary<string, string> Attributes,
    string EnrolledBy,
    DateTimeOffset EnrolledAt) : IDeviceFact;

/// <summary>Another certificate for the same device (renewal); the old ones stay valid until they expire or are retired.</summary>
public sealed record DeviceCertificateBound(
    string DeviceId, DeviceCertificateInfo Certificate, string BoundBy, DateTimeOffset BoundAt) : IDeviceFact;

/// <summary>One certificate of the device may no longer be used (leaked, replaced); the others keep working.</summary>
public sealed record DeviceCertificateRetired(
    string DeviceId, string Fingerprint, string Reason, string RetiredBy, DateTimeOffset RetiredAt) : IDeviceFact;

public sealed record DeviceAttributesChanged(
    string DeviceId,
    IReadOnlyDictionary<string, string> Previous,
    IReadOnlyDictionary<string, string> Attributes,
    string ChangedBy,
    string Reason,
    DateTimeOffset ChangedAt) : IDeviceFact;

public sealed record DeviceSuspended(string DeviceId, string Reason, string SuspendedBy, DateTimeOffset SuspendedAt)
    : IDeviceFact;

public sealed record DeviceResumed(string DeviceId, string Reason, string ResumedBy, DateTimeOffset ResumedAt)
    : IDeviceFact;
