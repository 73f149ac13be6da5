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

/// <summary>
/// An X.509 client certificate bound to a device, identified by the SHA-256 of its DER.
/// <see cref="PublicKeySha256"/> (SHA-256 of its SubjectPublicKeyInfo) identifies its key, so a
/// renewal can be refused when it reuses a key; certificates bound before it was recorded have none.
/// </summary>
public sealed record DeviceCertificateInfo(
    string Fingerprint, string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter,
    string? PublicKeySha256 = null);

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

/// <summary>
/// One certificate of the device may no longer be used (leaked, replaced); the others keep working.
/// <see cref="SupersededBy"/> is the renewed certificate whose first use retired it: from then on
/// the device holds the new key, so the old one coming back is a clone signal.
/// </summary>
public sealed record DeviceCertificateRetired(
    string DeviceId, string Fingerprint, string Reason, string RetiredBy, DateTimeOffset RetiredAt,
    string? SupersededBy = null) : IDeviceFact;

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

/// <summary>
/// A device the operator expects, with its role, station and attributes, that holds no certificate
/// yet: it makes its own key and enrolls over EST with the one-time token issued beside this fact.
/// </summary>
public sealed record DeviceRegistered(
    string DeviceId,
    DeviceRole Role,
    string? StationId,
    IReadOnlyDictionary<string, string> Attributes,
    string RegisteredBy,
    DateTimeOffset RegisteredAt) : IDeviceFact;

/// <summary>
/// A one-time enrollment token for the device; only its SHA-256 is kept (the token itself was
/// shown once to whoever asked for it). A new one voids the one before.
/// </summary>
public sealed record EnrollmentTokenIssued(
    string DeviceId, string TokenSha256, DateTimeOffset ExpiresAt, string IssuedBy, DateTimeOffset IssuedAt, string? Reason = null) : IDeviceFact;

/// <summary>The device's enrollment token can no longer be used: replaced, or guessed at too often.</summary>
public sealed record EnrollmentTokenVoided(string DeviceId, string Reason, string VoidedBy, DateTimeOffset VoidedAt)
    : IDeviceFact;

/// <summary>
/// The device proved its token and a key of its own (a CSR): the token is used up and the
/// certificate issued for that key is bound, in one fact, so neither can happen without the other.
/// </summary>
public sealed record EnrollmentCompleted(
    string DeviceId, DeviceCertificateInfo Certificate, string KeyAlgorithm, string CompletedBy, DateTimeOffset CompletedAt)
    : IDeviceFact;

/// <summary>
/// An EST enrollment for this device was refused (<see cref="Reason"/> is one of
/// <see cref="EnrollmentRefusalReasons"/>); <see cref="From"/> is the address it came from.
/// </summary>
public sealed record EnrollmentRefused(string DeviceId, string Reason, string Detail, string? From, DateTimeOffset RefusedAt)
    : IDeviceFact;

/// <summary>
/// The device renewed itself: a certificate for a new key, bound beside the one it renewed with
/// (<see cref="Replaces"/>), which is retired once the new one is first used or at
/// <see cref="GraceEndsAt"/>, whichever comes first.
/// </summary>
public sealed record DeviceCertificateRenewed(
    string DeviceId,
    DeviceCertificateInfo Certificate,
    string KeyAlgorithm,
    string Replaces,
    DateTimeOffset GraceEndsAt,
    string RenewedBy,
    DateTimeOffset RenewedAt) : IDeviceFact;

/// <summary>Why an enrollment was refused, as recorded in <see cref="EnrollmentRefused"/> and the audit.</summary>
public static class EnrollmentRefusalReasons
{
    /// <summary>The token is not the device's (wrong, another device's, or the device has none).</summary>
    public const string TokenWrong = "token-wrong";

    public const string TokenExpired = "token-expired";

    /// <summary>The token was used already: a replay.</summary>
    public const string TokenUsed = "token-used";

    public const string TokenVoided = "token-voided";

    public const string DeviceSuspended = "device-suspended";
}
