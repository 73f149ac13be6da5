using TrackTrace.Domain.Facts;

namespace TrackTrace.Domain.Devices;

/// <summary>A certificate the device may no longer use, and why.</summary>
public sealed record RetiredCertificate(string Fingerprint, string Reason, DateTimeOffset RetiredAt);

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
    public DateTimeOffset EnrolledAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static string StreamKey(string deviceId) => StreamPrefix + deviceId;

    public bool IsRetired(string fingerprint) => RetiredCertificates.Any(r => r.Fingerprint == fingerprint);

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

    public static Device Enrolled(DeviceEnrolled e) => new()
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
    };

    /// <summary>Applies one fact of the device's stream; the first must be its enrollment.</summary>
    public static Device Fold(Device? state, object fact) => (state, fact) switch
    {
        (_, DeviceEnrolled e) => Enrolled(e),
        (null, _) => throw new InvalidOperationException($"{fact.GetType().Name} cannot start a device stream"),
        (_, DeviceCertificateBound e) => state with { Certificates = [.. state.Certificates, e.Certificate], UpdatedAt = e.BoundAt },
        (_, DeviceCertificateRetired e) => state with
        {
            RetiredCertificates = [.. state.RetiredCertificates, new RetiredCertificate(e.Fingerprint, e.Reason, e.RetiredAt)],
            UpdatedAt = e.RetiredAt,
        },
        (_, DeviceAttributesChanged e) => state with { Attributes = e.Attributes, UpdatedAt = e.ChangedAt },
        (_, DeviceSuspended e) => state with { Status = DeviceStatus.Suspended, UpdatedAt = e.SuspendedAt },
        (_, DeviceResumed e) => state with { Status = DeviceStatus.Active, UpdatedAt = e.ResumedAt },
        _ => throw new UnknownFactException(fact, nameof(Device) + "." + nameof(Fold)),
    };
}

/// <summary>Which device a certificate belongs to (id = SHA-256 fingerprint). Unique: one device per certificate, ever.</summary>
public sealed record DeviceCertificate(string Id, string DeviceId, bool Retired = false);
