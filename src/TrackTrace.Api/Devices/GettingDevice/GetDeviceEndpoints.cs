using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
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
    DateTimeOffset? LastSeenAt)
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

/// <summary>One audited fact about a device: what changed, who did it, when and why.</summary>
public sealed record DeviceAuditEntry(long Version, string Fact, string? By, DateTimeOffset At, string? Reason, object Details);

/// <summary>GET /api/devices/{id} and /audit: a device as the attribute store holds it, and its history.</summary>
public static class GetDeviceEndpoints
{
    public static void MapGetDevice(this RouteGroupBuilder devices)
    {
        devices.MapGet("/{deviceId}", Get)
            .WithSummary("A device: status, role, station, attributes, certificates, last seen (admin)");
        devices.MapGet("/{deviceId}/audit", Audit).WithSummary("Every change to a device: who, when, why (admin)");
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Get(
        string deviceId, IQuerySession query, CancellationToken ct)
    {
        var device = await query.LoadAsync<Device>(Device.StreamKey(deviceId), ct);
        if (device is null)
        {
            return Problems.From(DeviceRefusals.NotFound(deviceId));
        }

        var seen = await query.LoadAsync<DeviceLastSeen>(deviceId, ct);
        return TypedResults.Ok(DeviceView.From(device, seen?.At));
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

    public static DeviceAuditEntry AuditEntry(IEvent e) => e.Data switch
    {
        DeviceEnrolled d => new(e.Version, "enrolled", d.EnrolledBy, d.EnrolledAt, null, d),
        DeviceCertificateBound d => new(e.Version, "certificate-bound", d.BoundBy, d.BoundAt, null, d),
        DeviceCertificateRetired d => new(e.Version, "certificate-retired", d.RetiredBy, d.RetiredAt, d.Reason, d),
        DeviceAttributesChanged d => new(e.Version, "attributes-changed", d.ChangedBy, d.ChangedAt, d.Reason, d),
        DeviceSuspended d => new(e.Version, "suspended", d.SuspendedBy, d.SuspendedAt, d.Reason, d),
        DeviceResumed d => new(e.Version, "resumed", d.ResumedBy, d.ResumedAt, d.Reason, d),
        _ => throw new UnknownFactException(e.Data, "the device audit"),
    };
}
