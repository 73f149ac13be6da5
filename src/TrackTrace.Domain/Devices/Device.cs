namespace TrackTrace.Domain.Devices;

/// <summary>
/// The device attribute store's view of one device: the second factor checked on every request.
/// Built inline from the device's stream, so it changes in the same transaction as the fact.
/// </summary>
public sealed partial record Device
{
    public const string StreamPrefix = "device-";

    /// <summary>Attribute names the service owns; operators set every other attribute.</summary>
    public static readonly IReadOnlySet<string> ReservedAttributes =
        new HashSet<string>(StringComparer.Ordinal) { "status", "role", "station" };

    /// <summary>The stream key, which Marten uses as the document id.</summary>
    public string Id { get; init; } = "";

    public string DeviceId { get; init; } = "";
    public DeviceRole Role { get; init; }
    public DeviceStatus Status { get; init; }
    public string? StationId { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<DeviceCertificateInfo> Certificates { get; init; } = [];
    public DateTimeOffset EnrolledAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static string StreamKey(string deviceId) => StreamPrefix + deviceId;

    /// <summary>Operator attributes plus the ones the service owns (status, role, station).</summary>
    public IReadOnlyDictionary<string, string> EffectiveAttributes()
    {
        var all = new Dictionary<string, string>(Attributes, StringComparer.Ordinal)
        {
            ["status"] = Status == DeviceStatus.Active ? "active" : "suspended",
            ["role"] = Role.ToString().ToLowerInvariant(),
        };
        if (StationId is not null)
        {
            all["station"] = StationId;
        }

        return all;
    }

    public static Device Create(DeviceEnrolled e) => new()
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

    public Device Apply(DeviceCertificateBound e) =>
        this with { Certificates = [.. Certificates, e.Certificate], UpdatedAt = e.BoundAt };

    public Device Apply(DeviceAttributesChanged e) => this with { Attributes = e.Attributes, UpdatedAt = e.ChangedAt };

    public Device Apply(DeviceSuspended e) => this with { Status = DeviceStatus.Suspended, UpdatedAt = e.SuspendedAt };

    public Device Apply(DeviceResumed e) => this with { Status = DeviceStatus.Active, UpdatedAt = e.ResumedAt };
}

/// <summary>Which device a certificate belongs to (id = SHA-256 fingerprint). Unique: one device per certificate.</summary>
public sealed record DeviceCertificate(string Id, string DeviceId);
