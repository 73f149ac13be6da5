using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Devices;

public sealed record EnrollDeviceRequest(
    string? DeviceId, string? Role, string? StationId, string? Certificate, Dictionary<string, string>? Attributes);

public sealed record BindCertificateRequest(string? Certificate);

public sealed record ChangeAttributesRequest(Dictionary<string, string>? Attributes, string? Reason);

public sealed record ReasonRequest(string? Reason);

public sealed record DeviceCertificateView(string Fingerprint, string Subject, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

public sealed record DeviceView(
    string DeviceId,
    string Role,
    string Status,
    string? StationId,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<DeviceCertificateView> Certificates,
    DateTimeOffset EnrolledAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastSeenAt)
{
    public static DeviceView From(Device d, DateTimeOffset? lastSeen) => new(
        d.DeviceId, Roles.Name(d.Role), d.Status == DeviceStatus.Active ? "active" : "suspended", d.StationId,
        d.Attributes, d.Certificates.Select(c => new DeviceCertificateView(c.Fingerprint, c.Subject, c.NotBefore, c.NotAfter)).ToArray(),
        d.EnrolledAt, d.UpdatedAt, lastSeen);
}

/// <summary>One audited fact about a device: what changed, who did it, when and why.</summary>
public sealed record DeviceAuditEntry(long Version, string Fact, string? By, DateTimeOffset At, string? Reason, object Details);

public static partial class DeviceEndpoints
{
    public const string IdRule = "1-64 characters A-Z, a-z, 0-9, '.', '_', '-' starting with a letter or digit";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    public static partial Regex IdPattern();

    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,63}\\z")]
    private static partial Regex AttributeNamePattern();

    public static void MapDevices(this RouteGroupBuilder api)
    {
        var devices = api.MapGroup("/devices").WithTags("Devices").RequireAuthorization(Roles.Admin);
        devices.MapPost("/", Enroll).WithSummary("Enroll a device and bind its client certificate (admin)");
        devices.MapGet("/", List).WithSummary("List devices (admin)");
        devices.MapGet("/{deviceId}", Get).WithSummary("A device: status, role, station, attributes, certificates, last seen (admin)");
        devices.MapGet("/{deviceId}/audit", Audit).WithSummary("Every change to a device: who, when, why (admin)");
        devices.MapPost("/{deviceId}/certificates", BindCertificate).WithSummary("Bind a renewed certificate to a device (admin)");
        devices.MapPut("/{deviceId}/attributes", ChangeAttributes).WithSummary("Replace the operator-set attributes (admin)");
        devices.MapPost("/{deviceId}/suspend", Suspend).WithSummary("Suspend a device: its next request is refused everywhere (admin)");
        devices.MapPost("/{deviceId}/resume", Resume).WithSummary("Resume a suspended device (admin)");
    }

    private static async Task<Results<Created<DeviceView>, ProblemHttpResult>> Enroll(
        EnrollDeviceRequest request, HttpContext http, DeviceRegistry registry, ClientCertificateValidator validator,
        IQuerySession query, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.DeviceId is null || !IdPattern().IsMatch(request.DeviceId))
        {
            errors["deviceId"] = [$"required: {IdRule}"];
        }

        if (!Enum.TryParse<DeviceRole>(request.Role, true, out var role) || !Enum.IsDefined(role) ||
            request.Role!.Any(char.IsDigit))
        {
            errors["role"] = ["required: one of scanner, sensor, staff, admin"];
        }
        else if (role == DeviceRole.Scanner && string.IsNullOrEmpty(request.StationId))
        {
            errors["stationId"] = ["required for a scanner: the station it scans at"];
        }
        else if (role != DeviceRole.Scanner && request.StationId is not null)
        {
            errors["stationId"] = ["only scanners are bound to a station"];
        }

        var certificate = ParseCertificate(request.Certificate, errors);
        ValidateAttributes(request.Attributes, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (validator.FindProblem(certificate!) is { } problem)
        {
            return Problems.Result(StatusCodes.Status422UnprocessableEntity, "certificate-not-acceptable",
                "The certificate cannot authenticate a device", $"certificate: {problem}.");
        }

        if (request.StationId is not null &&
            await query.LoadAsync<Station>(Station.StreamKey(request.StationId), ct) is null)
        {
            return Problems.Result(StatusCodes.Status422UnprocessableEntity, "unknown-station", "Unknown station",
                $"stationId: no station '{request.StationId}'; register it first with POST /api/stations.");
        }

        var result = await registry.EnrollAsync(request.DeviceId!, role, request.StationId, certificate!,
            request.Attributes ?? [], http.User.DeviceId(), ct);
        return result.Outcome switch
        {
            DeviceChange.Done => TypedResults.Created($"/api/devices/{request.DeviceId}", DeviceView.From(result.Device!, null)),
            DeviceChange.DeviceExists => Problems.Result(StatusCodes.Status409Conflict, "device-exists",
                "Device already enrolled", $"Device '{request.DeviceId}' exists; bind a renewed certificate with POST /api/devices/{request.DeviceId}/certificates."),
            _ => CertificateTaken(),
        };
    }

    private static async Task<Ok<DeviceView[]>> List(IQuerySession query, string? role, string? status, CancellationToken ct)
    {
        IQueryable<Device> devices = query.Query<Device>();
        if (Enum.TryParse<DeviceRole>(role, true, out var r))
        {
            devices = devices.Where(d => d.Role == r);
        }

        if (Enum.TryParse<DeviceStatus>(status, true, out var s))
        {
            devices = devices.Where(d => d.Status == s);
        }

        var found = await devices.OrderBy(d => d.DeviceId).Take(1000).ToListAsync(ct);
        var seen = await query.LoadManyAsync<DeviceLastSeen>(ct, found.Select(d => d.DeviceId).ToArray());
        var lastSeen = seen.ToDictionary(x => x.Id, x => x.At);
        return TypedResults.Ok(found.Select(d => DeviceView.From(d, lastSeen.GetValueOrDefault(d.DeviceId))).ToArray());
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Get(
        string deviceId, IQuerySession query, CancellationToken ct)
    {
        var device = await query.LoadAsync<Device>(Device.StreamKey(deviceId), ct);
        if (device is null)
        {
            return Problems.NotFound("Device", deviceId);
        }

        var seen = await query.LoadAsync<DeviceLastSeen>(deviceId, ct);
        return TypedResults.Ok(DeviceView.From(device, seen?.At));
    }

    private static async Task<Results<Ok<DeviceAuditEntry[]>, ProblemHttpResult>> Audit(
        string deviceId, IQuerySession query, CancellationToken ct)
    {
        var events = await query.Events.FetchStreamAsync(Device.StreamKey(deviceId), token: ct);
        if (events.Count == 0)
        {
            return Problems.NotFound("Device", deviceId);
        }

        return TypedResults.Ok(events.Select(ToAuditEntry).ToArray());
    }

    private static DeviceAuditEntry ToAuditEntry(IEvent e) => e.Data switch
    {
        DeviceEnrolled d => new(e.Version, "enrolled", d.EnrolledBy, d.EnrolledAt, null, d),
        DeviceCertificateBound d => new(e.Version, "certificate-bound", d.BoundBy, d.BoundAt, null, d),
        DeviceAttributesChanged d => new(e.Version, "attributes-changed", d.ChangedBy, d.ChangedAt, d.Reason, d),
        DeviceSuspended d => new(e.Version, "suspended", d.SuspendedBy, d.SuspendedAt, d.Reason, d),
        DeviceResumed d => new(e.Version, "resumed", d.ResumedBy, d.ResumedAt, d.Reason, d),
        _ => new(e.Version, e.EventTypeName, null, e.Timestamp, null, e.Data),
    };

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> BindCertificate(
        string deviceId, BindCertificateRequest request, HttpContext http, DeviceRegistry registry,
        ClientCertificateValidator validator, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var certificate = ParseCertificate(request.Certificate, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (validator.FindProblem(certificate!) is { } problem)
        {
            return Problems.Result(StatusCodes.Status422UnprocessableEntity, "certificate-not-acceptable",
                "The certificate cannot authenticate a device", $"certificate: {problem}.");
        }

        return Answer(deviceId, await registry.BindCertificateAsync(deviceId, certificate!, http.User.DeviceId(), ct));
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> ChangeAttributes(
        string deviceId, ChangeAttributesRequest request, HttpContext http, DeviceRegistry registry, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Attributes is null)
        {
            errors["attributes"] = ["required: the complete set of operator attributes, e.g. { \"epoch\": \"7\" }"];
        }

        ValidateAttributes(request.Attributes, errors);
        RequireReason(request.Reason, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        return Answer(deviceId,
            await registry.ChangeAttributesAsync(deviceId, request.Attributes!, http.User.DeviceId(), request.Reason!, ct));
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Suspend(
        string deviceId, ReasonRequest request, HttpContext http, DeviceRegistry registry, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        RequireReason(request.Reason, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        return Answer(deviceId, await registry.SuspendAsync(deviceId, request.Reason!, http.User.DeviceId(), ct));
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Resume(
        string deviceId, ReasonRequest? request, HttpContext http, DeviceRegistry registry, CancellationToken ct)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? "resumed" : request.Reason;
        return Answer(deviceId, await registry.ResumeAsync(deviceId, reason, http.User.DeviceId(), ct));
    }

    private static Results<Ok<DeviceView>, ProblemHttpResult> Answer(string deviceId, DeviceChangeResult result) =>
        result.Outcome switch
        {
            DeviceChange.Done or DeviceChange.Unchanged => TypedResults.Ok(DeviceView.From(result.Device!, null)),
            DeviceChange.NotFound => Problems.NotFound("Device", deviceId),
            _ => CertificateTaken(),
        };

    private static ProblemHttpResult CertificateTaken() =>
        Problems.Result(StatusCodes.Status409Conflict, "certificate-taken", "Certificate already bound",
            "certificate: this certificate is already bound to a device; a certificate belongs to one device. Issue a new one.");

    private static X509Certificate2? ParseCertificate(string? pem, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            errors["certificate"] = ["required: the device's X.509 certificate in PEM (-----BEGIN CERTIFICATE-----)"];
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            errors["certificate"] = [$"not a PEM X.509 certificate ({ex.Message})"];
            return null;
        }
    }

    private static void ValidateAttributes(Dictionary<string, string>? attributes, Dictionary<string, string[]> errors)
    {
        var problems = new List<string>();
        foreach (var (name, value) in attributes ?? [])
        {
            if (Device.ReservedAttributes.Contains(name))
            {
                problems.Add($"'{name}' is owned by the service (use suspend/resume, or enroll anew)");
            }
            else if (!AttributeNamePattern().IsMatch(name))
            {
                problems.Add($"'{name}' is not a valid name (lower-case letter, then a-z, 0-9, '_', '.', '-'; at most 64)");
            }
            else if (value is null || value.Length > 256)
            {
                problems.Add($"'{name}' needs a value of at most 256 characters");
            }
        }

        if (attributes is { Count: > 64 })
        {
            problems.Add("at most 64 attributes");
        }

        if (problems.Count > 0)
        {
            errors["attributes"] = problems.ToArray();
        }
    }

    private static void RequireReason(string? reason, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 500)
        {
            errors["reason"] = ["required: why (1-500 characters); it is kept in the audit trail"];
        }
    }
}
