using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Facts;

namespace TrackTrace.Api.Devices.GettingDevice;

public sealed record DeviceCertificateView(
    string Fingerprint, string Subject, DateTimeOffset NotBefore, DateTimeOffset NotAfter, bool Retired, DateTimeOffset? RetiredAt);

public sealed record DeviceView(
    string DeviceId,
    string Role,
    DeviceStatus Status,
    string? StationId,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<DeviceCertificateView> Certificates,
    DateTimeOffset EnrolledAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastSeenAt,
    IReadOnlyList<DeviceSightingView>? Sightings = null)
{
    public static DeviceView From(Device d, DateTimeOffset? lastSeen) => new(
        d.DeviceId, DeviceRoles.Name(d.Role), d.Status, d.StationId, d.Attributes,
        d.Certificates.Select(c =>
        {
            var retired = d.RetiredCertificates.FirstOrDefault(r => r.Fingerprint == c.Fingerprint);
            return new DeviceCertificateView(c.Fingerprint, c.Subject, c.NotBefore, c.NotAfter, retired is not null, retired?.RetiredAt);
        }).ToArray(),
        d.EnrolledAt, d.UpdatedAt, lastSeen);
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
        string deviceId, IQuerySession query, SightingLedger sightings, CancellationToken ct)
    {
        var device = await query.LoadAsync<Device>(Device.StreamKey(deviceId), ct);
        if (device is null)
        {
            return Problems.From(DeviceRefusals.NotFound(deviceId));
        }

        var seen = await query.LoadAsync<DeviceLastSeen>(deviceId, ct);
        var recent = await sightings.RecentAsync(deviceId, RecentSightings, ct);
        return TypedResults.Ok(DeviceView.From(device, seen?.At) with { Sightings = recent.Select(DeviceSightingView.From).ToArray() });
    }

    private static async Task<Results<Ok<DeviceAuditEntry[]>, ProblemHttpResult>> Audit(
        string deviceId, IQuerySession query, CancellationToken ct)
    {
        var events = await query.Events.FetchStreamAsync(Device.StreamKey(deviceId), token: ct);
        if (events.Count == 0 || events[0].Data is not DeviceEnrolled)
        {
            return Problems.From(DeviceRefusals.NotFound(deviceId));
        }

        return TypedResults.Ok(events.Select(AuditEntry).ToArray());
    }

    public static DeviceAuditEntry AuditEntry(IEvent e)
    {
        var fact = e.Data as IDeviceFact ?? throw new UnknownFactException(e.Data, "the device audit");
        var (name, by, at, reason) = Describe(fact);
        return new DeviceAuditEntry(e.Version, name, by, at, reason, fact);
    }

    /// <summary>What happened to the device, by whom, when and why: every device fact has its own line.</summary>
    public static (string Fact, string? By, DateTimeOffset At, string? Reason) Describe(IDeviceFact fact) => fact switch
    {
        DeviceEnrolled d => ("enrolled", d.EnrolledBy, d.EnrolledAt, null),
        DeviceCertificateBound d => ("certificate-bound", d.BoundBy, d.BoundAt, null),
        DeviceCertificateRetired d => ("certificate-retired", d.RetiredBy, d.RetiredAt, d.Reason),
        DeviceAttributesChanged d => ("attributes-changed", d.ChangedBy, d.ChangedAt, d.Reason),
        DeviceSuspended d => ("suspended", d.SuspendedBy, d.SuspendedAt, d.Reason),
        DeviceResumed d => ("resumed", d.ResumedBy, d.ResumedAt, d.Reason),
        _ => throw new UnknownFactException(fact, "the device audit"),
    };
}
