using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Facts;

namespace TrackTrace.Api.Devices.GettingDevice;

/// <summary>
/// One certificate of a device. <see cref="RenewedBy"/> and <see cref="GraceEndsAt"/>: it was renewed
/// and works until that successor is first used or the grace ends.
/// </summary>
public sealed record DeviceCertificateView(
    string Fingerprint,
    string Subject,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    bool Retired,
    DateTimeOffset? RetiredAt,
    string? RenewedBy,
    DateTimeOffset? GraceEndsAt);

/// <summary>The device's latest enrollment token, never the token itself: live, used, voided or expired.</summary>
public sealed record EnrollmentTokenView(string State, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, int WrongAttempts);

public sealed record DeviceView(
    string DeviceId,
    string Role,
    DeviceStatus Status,
    string? StationId,
    IReadOnlyDictionary<string, string> Attributes,
    bool Pending,
    IReadOnlyList<DeviceCertificateView> Certificates,
    DateTimeOffset? CertificateExpiresAt,
    EnrollmentTokenView? EnrollmentToken,
    DateTimeOffset EnrolledAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastSeenAt,
    IReadOnlyList<DeviceSightingView>? Sightings = null,
    string? LastSeenFrom = null)
{
    public static DeviceView From(Device d, DateTimeOffset? lastSeen, DateTimeOffset? now = null) => new(
        d.DeviceId, DeviceRoles.Name(d.Role), d.Status, d.StationId, d.Attributes, d.IsPending(),
        d.Certificates.Select(c =>
        {
            var retired = d.RetiredCertificates.FirstOrDefault(r => r.Fingerprint == c.Fingerprint);
            var renewal = d.AwaitingRetirement.FirstOrDefault(p => p.Fingerprint == c.Fingerprint);
            return new DeviceCertificateView(c.Fingerprint, c.Subject, c.NotBefore, c.NotAfter, retired is not null, retired?.RetiredAt,
                renewal?.Successor, renewal?.GraceEndsAt);
        }).ToArray(),
        d.CertificateExpiresAt,
        d.Enrollment is { } token ? new EnrollmentTokenView(TokenState(token, now), token.IssuedAt, token.ExpiresAt, token.WrongAttempts) : null,
        d.EnrolledAt, d.UpdatedAt, lastSeen);

    private static string TokenState(EnrollmentToken token, DateTimeOffset? now) => token.State switch
    {
        EnrollmentTokenState.Live when now is { } at && !token.IsLive(at) => "expired",
        EnrollmentTokenState.Live => "live",
        EnrollmentTokenState.Used => "used",
        EnrollmentTokenState.Voided => "voided",
        _ => throw new ArgumentOutOfRangeException(nameof(token), token.State, "not a token state"),
    };
}

/// <summary>Where a device was seen: one certificate from one source address, first and last time, how many requests.</summary>
public sealed record DeviceSightingView(string Address, string Certificate, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt, long Requests)
{
    public static DeviceSightingView From(DeviceSighting s) => new(s.Address, s.Fingerprint, s.FirstSeenAt, s.LastSeenAt, s.Requests);
}

/// <summary>One audited fact about a device: what changed, who did it, when and why.</summary>
public sealed record DeviceAuditEntry(long Version, string Fact, string? By, DateTimeOffset At, string? Reason, object Details);

/// <summary>GET /api/devices/{id} and /audit: a device as the attribute store holds it, and its history.</summary>
public static class GetDeviceEndpoints
{
    public static void MapGetDevice(this RouteGroupBuilder devices)
    {
        devices.MapGet("/{deviceId}", Get)
            .WithSummary("A device: status, role, station, attributes, certificates, last seen, recent sightings (admin)");
        devices.MapGet("/{deviceId}/audit", Audit).WithSummary("Every change to a device: who, when, why (admin)");
    }

    /// <summary>How many of a device's most recent sightings its view shows.</summary>
    public const int RecentSightings = 20;

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Get(
        string deviceId, IQuerySession query, SightingLedger sightings, TimeProvider clock, CancellationToken ct)
    {
        var device = await query.LoadAsync<Device>(Device.StreamKey(deviceId), ct);
        if (device is null)
        {
            return Problems.From(DeviceRefusals.NotFound(deviceId));
        }

        var seen = await query.LoadAsync<DeviceLastSeen>(deviceId, ct);
        var recent = await sightings.RecentAsync(deviceId, RecentSightings, ct);
        var lastSeen = ListingDevices.ListDevicesEndpoint.Later(seen?.At, recent.Count > 0 ? recent[0].LastSeenAt : null);
        return TypedResults.Ok(DeviceView.From(device, lastSeen, clock.GetUtcNow()) with
        {
            Sightings = recent.Select(DeviceSightingView.From).ToArray(),
            LastSeenFrom = recent.Count > 0 ? recent[0].Address : null,
        });
    }

    private static async Task<Results<Ok<DeviceAuditEntry[]>, ProblemHttpResult>> Audit(
        string deviceId, IQuerySession query, CancellationToken ct)
    {
        var events = await query.Events.FetchStreamAsync(Device.StreamKey(deviceId), token: ct);
        if (events.Count == 0 || events[0].Data is not (DeviceEnrolled or DeviceRegistered))
        {
            return Problems.From(DeviceRefusals.NotFound(deviceId));
        }

        return TypedResults.Ok(events.Select(AuditEntry).ToArray());
    }

    /// <summary>
    /// One fact as the audit shows it. Token facts show when and until when, never the token's hash:
    /// the audit is read by more people than the attribute store.
    /// </summary>
    public static DeviceAuditEntry AuditEntry(IEvent e)
    {
        var fact = e.Data as IDeviceFact ?? throw new UnknownFactException(e.Data, "the device audit");
        var (name, by, at, reason) = Describe(fact);
        object details = fact is EnrollmentTokenIssued issued ? new { issued.DeviceId, issued.ExpiresAt, issued.Reason } : fact;
        return new DeviceAuditEntry(e.Version, name, by, at, reason, details);
    }

    /// <summary>What happened to the device, by whom, when and why: every device fact has its own line.</summary>
    public static (string Fact, string? By, DateTimeOffset At, string? Reason) Describe(IDeviceFact fact) => fact switch
    {
        DeviceEnrolled d => ("enrolled", d.EnrolledBy, d.EnrolledAt, null),
        DeviceRegistered d => ("registered", d.RegisteredBy, d.RegisteredAt, "pending: the device enrolls itself with its token"),
        EnrollmentTokenIssued d => ("enrollment-token-issued", d.IssuedBy, d.IssuedAt, d.Reason),
        EnrollmentTokenVoided d => ("enrollment-token-voided", d.VoidedBy, d.VoidedAt, d.Reason),
        EnrollmentCompleted d => ("enrolled-with-token", d.CompletedBy, d.CompletedAt,
            "the device proved its token and a key of its own (EST simpleenroll)"),
        EnrollmentRefused d => ("enrollment-refused", d.From is null ? null : "est:" + d.From, d.RefusedAt, d.Reason),
        DeviceCertificateRenewed d => ("certificate-renewed", d.RenewedBy, d.RenewedAt,
            $"renewed {d.Replaces}, which works until this certificate is first used or {d.GraceEndsAt:O}"),
        DeviceCertificateBound d => ("certificate-bound", d.BoundBy, d.BoundAt, null),
        DeviceCertificateRetired d => ("certificate-retired", d.RetiredBy, d.RetiredAt, d.Reason),
        DeviceAttributesChanged d => ("attributes-changed", d.ChangedBy, d.ChangedAt, d.Reason),
        DeviceSuspended d => ("suspended", d.SuspendedBy, d.SuspendedAt, d.Reason),
        DeviceResumed d => ("resumed", d.ResumedBy, d.ResumedAt, d.Reason),
        _ => throw new UnknownFactException(fact, "the device audit"),
    };
}
