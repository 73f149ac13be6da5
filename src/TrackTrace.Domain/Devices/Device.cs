using TrackTrace.Domain.Facts;

namespace TrackTrace.Domain.Devices;

/// <summary>A certificate the device may no longer use, and why; <see cref="SupersededBy"/> when its renewed successor's use retired it.</summary>
public sealed record RetiredCertificate(string Fingerprint, string Reason, DateTimeOffset RetiredAt, string? SupersededBy = null);

/// <summary>A certificate that was renewed and keeps working until <see cref="Successor"/> is first used or <see cref="GraceEndsAt"/>.</summary>
public sealed record PendingRetirement(string Fingerprint, string Successor, DateTimeOffset GraceEndsAt);

public enum EnrollmentTokenState
{
    /// <summary>Usable until it expires.</summary>
    Live,

    /// <summary>Spent on an enrollment; presenting it again is a replay.</summary>
    Used,

    /// <summary>Replaced by a newer token, or voided after too many wrong tries.</summary>
    Voided,
}

/// <summary>The device's latest enrollment token: its SHA-256 (never the token), its life and how often a wrong one was tried against it.</summary>
public sealed record EnrollmentToken(
    string TokenSha256, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, EnrollmentTokenState State, int WrongAttempts)
{
    public bool IsLive(DateTimeOffset now) => State == EnrollmentTokenState.Live && now < ExpiresAt;
}

/// <summary>
/// The device attribute store's view of one device: the second factor checked on every request.
/// Folded from the device's stream and stored in the same transaction as the fact.
/// </summary>
public sealed record Device
{
    public const string StreamPrefix = "device-";

    /// <summary>Attribute names the service owns; operators set every other attribute.</summary>
    public static readonly IReadOnlySet<string> ReservedAttributes =
        new HashSet<string>(StringComparer.Ordinal) { "status", "role", "station" };

    /// <summary>The stream key, which is also the document id.</summary>
    public string Id { get; init; } = "";

    public string DeviceId { get; init; } = "";
    public DeviceRole Role { get; init; }
    public DeviceStatus Status { get; init; }
    public string? StationId { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<DeviceCertificateInfo> Certificates { get; init; } = [];
    public IReadOnlyList<RetiredCertificate> RetiredCertificates { get; init; } = [];

    /// <summary>Renewed certificates that still work until their successor is used or their grace ends.</summary>
    public IReadOnlyList<PendingRetirement> AwaitingRetirement { get; init; } = [];

    /// <summary>The latest enrollment token, whatever became of it; null when none was ever issued.</summary>
    public EnrollmentToken? Enrollment { get; init; }

    /// <summary>The tokens before it (at most <see cref="PastTokensKept"/>), so one presented again is refused as what it is: used or voided.</summary>
    public IReadOnlyList<EnrollmentToken> PastTokens { get; init; } = [];

    public const int PastTokensKept = 10;

    /// <summary>When the last <see cref="EnrollmentRefused"/> was recorded (repeats are recorded at most once per window).</summary>
    public DateTimeOffset? LastEnrollmentRefusalAt { get; init; }

    /// <summary>The earliest end of a renewal grace: when the sweep must retire a certificate (indexed).</summary>
    public DateTimeOffset? RetirementDueAt { get; init; }

    /// <summary>When the device's newest certificate that is not retired expires; null while it has none (indexed).</summary>
    public DateTimeOffset? CertificateExpiresAt { get; init; }

    /// <summary>When the device was registered or enrolled by an admin (pending devices enroll themselves later).</summary>
    public DateTimeOffset EnrolledAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static string StreamKey(string deviceId) => StreamPrefix + deviceId;

    public bool IsRetired(string fingerprint) => RetiredCertificates.Any(r => r.Fingerprint == fingerprint);

    /// <summary>Registered but holding no certificate yet: nothing can authenticate as it until it enrolls.</summary>
    public bool IsPending() => Certificates.Count == 0;

    /// <summary>Certificates of the device that are not retired.</summary>
    public IEnumerable<DeviceCertificateInfo> LiveCertificates() => Certificates.Where(c => !IsRetired(c.Fingerprint));

    /// <summary>The certificates this one, a renewed certificate not used until now, will retire on its first use.</summary>
    public IReadOnlyList<PendingRetirement> RetiredOnFirstUseOf(string fingerprint) =>
        AwaitingRetirement.Where(p => p.Successor == fingerprint).ToArray();

    /// <summary>Operator attributes plus the ones the service owns (status, role, station).</summary>
    public IReadOnlyDictionary<string, string> EffectiveAttributes()
    {
        var all = new Dictionary<string, string>(Attributes, StringComparer.Ordinal)
        {
            ["status"] = Status == DeviceStatus.Active ? "active" : "suspended",
            ["role"] = DeviceRoles.Name(Role),
        };
        if (StationId is not null)
        {
            all["station"] = StationId;
        }

        return all;
    }

    public static Device Enrolled(DeviceEnrolled e) => Derive(new()
    {
        Id = StreamKey(e.DeviceId),
        DeviceId = e.DeviceId,
        Role = e.Role,
        Status = DeviceStatus.Active,
        StationId = e.StationId,
        Attributes = e.Attributes,
        Certificates = [e.Certificate],
        EnrolledAt = e.EnrolledAt,
        UpdatedAt = e.EnrolledAt,
    });

    public static Device Registered(DeviceRegistered e) => new()
    {
        Id = StreamKey(e.DeviceId),
        DeviceId = e.DeviceId,
        Role = e.Role,
        Status = DeviceStatus.Active,
        StationId = e.StationId,
        Attributes = e.Attributes,
        EnrolledAt = e.RegisteredAt,
        UpdatedAt = e.RegisteredAt,
    };

    /// <summary>Applies one fact of the device's stream; the first must be its enrollment or registration.</summary>
    public static Device Fold(Device? state, object fact) => Derive((state, fact) switch
    {
        (_, DeviceEnrolled e) => Enrolled(e),
        (_, DeviceRegistered e) => Registered(e),
        (null, _) => throw new InvalidOperationException($"{fact.GetType().Name} cannot start a device stream"),
        (_, DeviceCertificateBound e) => state with { Certificates = [.. state.Certificates, e.Certificate], UpdatedAt = e.BoundAt },
        (_, DeviceCertificateRetired e) => state with
        {
            RetiredCertificates = [.. state.RetiredCertificates, new RetiredCertificate(e.Fingerprint, e.Reason, e.RetiredAt, e.SupersededBy)],
            // Retiring the successor instead (it leaked) leaves the renewed one as it is: live, no longer awaiting anything.
            AwaitingRetirement = [.. state.AwaitingRetirement.Where(p => p.Fingerprint != e.Fingerprint && p.Successor != e.Fingerprint)],
            UpdatedAt = e.RetiredAt,
        },
        (_, DeviceAttributesChanged e) => state with { Attributes = e.Attributes, UpdatedAt = e.ChangedAt },
        (_, DeviceSuspended e) => state with { Status = DeviceStatus.Suspended, UpdatedAt = e.SuspendedAt },
        (_, DeviceResumed e) => state with { Status = DeviceStatus.Active, UpdatedAt = e.ResumedAt },
        (_, EnrollmentTokenIssued e) => state with
        {
            Enrollment = new EnrollmentToken(e.TokenSha256, e.IssuedAt, e.ExpiresAt, EnrollmentTokenState.Live, 0),
            PastTokens = state.Enrollment is { } replaced
                ? [.. state.PastTokens.TakeLast(PastTokensKept - 1), replaced.State == EnrollmentTokenState.Live ? replaced with { State = EnrollmentTokenState.Voided } : replaced]
                : state.PastTokens,
            UpdatedAt = e.IssuedAt,
        },
        (_, EnrollmentTokenVoided e) => state with
        {
            Enrollment = state.Enrollment is { } token ? token with { State = EnrollmentTokenState.Voided } : null,
            UpdatedAt = e.VoidedAt,
        },
        (_, EnrollmentCompleted e) => state with
        {
            Certificates = [.. state.Certificates, e.Certificate],
            Enrollment = state.Enrollment is { } token ? token with { State = EnrollmentTokenState.Used } : null,
            UpdatedAt = e.CompletedAt,
        },
        (_, EnrollmentRefused e) => state with
        {
            Enrollment = e.Reason == EnrollmentRefusalReasons.TokenWrong && state.Enrollment is { } token && token.IsLive(e.RefusedAt)
                ? token with { WrongAttempts = token.WrongAttempts + 1 }
                : state.Enrollment,
            LastEnrollmentRefusalAt = e.RefusedAt,
        },
        (_, DeviceCertificateRenewed e) => state with
        {
            Certificates = [.. state.Certificates, e.Certificate],
            AwaitingRetirement = [.. state.AwaitingRetirement, new PendingRetirement(e.Replaces, e.Certificate.Fingerprint, e.GraceEndsAt)],
            UpdatedAt = e.RenewedAt,
        },
        _ => throw new UnknownFactException(fact, nameof(Device) + "." + nameof(Fold)),
    });

    /// <summary>The fields kept for the indexes (sweep, expiry list), recomputed after every fact.</summary>
    private static Device Derive(Device device) => device with
    {
        RetirementDueAt = device.AwaitingRetirement.Count == 0 ? null : device.AwaitingRetirement.Min(p => p.GraceEndsAt),
        CertificateExpiresAt = device.LiveCertificates().Select(c => (DateTimeOffset?)c.NotAfter).Max(),
    };
}

/// <summary>Which device a certificate belongs to (id = SHA-256 fingerprint). Unique: one device per certificate, ever.</summary>
public sealed record DeviceCertificate(string Id, string DeviceId, bool Retired = false);
