using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Domain.Devices;

/// <summary>Enroll a device; <see cref="Role"/> is the wire name, checked here.</summary>
public sealed record EnrollDevice(
    string? DeviceId,
    string? Role,
    string? StationId,
    DeviceCertificateInfo Certificate,
    IReadOnlyDictionary<string, string>? Attributes,
    Actor By,
    DateTimeOffset At);

/// <summary>
/// The device rules as pure functions: the device as it is now and a command in, facts or a
/// refusal out. No event means nothing changes (a retry, or a state already reached).
/// </summary>
public static class DeviceDecider
{
    /// <param name="station">The station the command names, as registered; null when it names none or an unknown one.</param>
    public static Decision Enroll(EnrollDevice command, Station? station)
    {
        var errors = new Dictionary<string, string[]>();
        if (!DeviceId.IsValid(command.DeviceId))
        {
            errors["deviceId"] = [$"required: {DeviceId.Rule}"];
        }

        if (!DeviceRoles.TryParse(command.Role, out var role))
        {
            errors["role"] = [$"required: {DeviceRoles.Rule}"];
        }
        else if (role == DeviceRole.Scanner && string.IsNullOrEmpty(command.StationId))
        {
            errors["stationId"] = ["required for a scanner: the station it scans at"];
        }
        else if (role != DeviceRole.Scanner && command.StationId is not null)
        {
            errors["stationId"] = ["only scanners are bound to a station"];
        }

        if (DeviceAttributes.Problems(command.Attributes) is { Count: > 0 } problems)
        {
            errors["attributes"] = [.. problems];
        }

        if (errors.Count > 0)
        {
            return Decision.Refuse(Refusal.Invalid(errors));
        }

        if (command.StationId is not null && station?.StationId != command.StationId)
        {
            return Decision.Refuse(DeviceRefusals.UnknownStation(command.StationId));
        }

        return Decision.Of(new DeviceEnrolled(command.DeviceId!, role, command.StationId, command.Certificate,
            command.Attributes ?? new Dictionary<string, string>(), command.By.ToString(), command.At));
    }

    /// <summary>Another certificate for the device (a renewal). Binding one it already has changes nothing.</summary>
    public static Decision BindCertificate(Device device, DeviceCertificateInfo certificate, Actor by, DateTimeOffset at)
    {
        if (device.IsRetired(certificate.Fingerprint))
        {
            return Decision.Refuse(DeviceRefusals.CertificateRetired(device.DeviceId));
        }

        return device.Certificates.Any(c => c.Fingerprint == certificate.Fingerprint)
            ? Decision.Unchanged
            : Decision.Of(new DeviceCertificateBound(device.DeviceId, certificate, by.ToString(), at));
    }

    /// <summary>One certificate is retired; its next request is refused, the device's others keep working.</summary>
    public static Decision RetireCertificate(Device device, string fingerprint, string? reason, Actor by, DateTimeOffset at)
    {
        if (!Reason.IsValid(reason))
        {
            return Decision.Refuse(Refusal.Invalid("reason", Reason.Rule));
        }

        var normalized = fingerprint.Trim().Replace(":", "").ToLowerInvariant();
        if (device.Certificates.All(c => c.Fingerprint != normalized))
        {
            return Decision.Refuse(new Refusal(RefusalKind.NotFound, "not-found", "Certificate not found",
                $"Device '{device.DeviceId}' has no certificate with SHA-256 fingerprint '{fingerprint}'; see GET /api/devices/{device.DeviceId}."));
        }

        return device.IsRetired(normalized)
            ? Decision.Unchanged
            : Decision.Of(new DeviceCertificateRetired(device.DeviceId, normalized, reason!.Trim(), by.ToString(), at));
    }

    public static Decision ChangeAttributes(
        Device device, IReadOnlyDictionary<string, string>? attributes, string? reason, Actor by, DateTimeOffset at)
    {
        var errors = new Dictionary<string, string[]>();
        if (attributes is null)
        {
            errors["attributes"] = ["required: the complete set of operator attributes, e.g. { \"epoch\": \"7\" }"];
        }
        else if (DeviceAttributes.Problems(attributes) is { Count: > 0 } problems)
        {
            errors["attributes"] = [.. problems];
        }

        if (!Reason.IsValid(reason))
        {
            errors["reason"] = [Reason.Rule];
        }

        if (errors.Count > 0)
        {
            return Decision.Refuse(Refusal.Invalid(errors));
        }

        return DeviceAttributes.Same(device.Attributes, attributes!)
            ? Decision.Unchanged
            : Decision.Of(new DeviceAttributesChanged(device.DeviceId, device.Attributes, attributes!, by.ToString(),
                reason!.Trim(), at));
    }

    /// <summary>
    /// Suspends the device: its next request is refused everywhere. The bus may not suspend an admin:
    /// anyone with write access to the broker could otherwise lock every operator out; nor may the
    /// service's own monitoring rules.
    /// </summary>
    public static Decision Suspend(Device device, string? reason, Actor by, DateTimeOffset at)
    {
        if (!Reason.IsValid(reason))
        {
            return Decision.Refuse(Refusal.Invalid("reason", Reason.Rule));
        }

        if (device.Role == DeviceRole.Admin && by.Kind is ActorKind.Bus)
        {
            return Decision.Refuse(new Refusal(RefusalKind.Forbidden, "admin-not-suspendable-from-bus",
                "An admin device cannot be suspended from the bus",
                $"Device '{device.DeviceId}' is an admin; suspend it over the API as another admin."));
        }

        // A rule's false positive on the last admin would lock every operator out for good (a
        // suspended admin still exists, so none is bootstrapped): rules alert, a person suspends.
        if (device.Role == DeviceRole.Admin && by.Kind is ActorKind.Monitor)
        {
            return Decision.Refuse(new Refusal(RefusalKind.Forbidden, "admin-not-suspendable-by-monitor",
                "An admin device is not suspended automatically",
                $"Device '{device.DeviceId}' is an admin; monitoring rules only alert about admins. Suspend it over the API as another admin."));
        }

        return device.Status == DeviceStatus.Suspended
            ? Decision.Unchanged
            : Decision.Of(new DeviceSuspended(device.DeviceId, reason!.Trim(), by.ToString(), at));
    }

    public static Decision Resume(Device device, string? reason, Actor by, DateTimeOffset at)
    {
        if (!Reason.IsValid(reason))
        {
            return Decision.Refuse(Refusal.Invalid("reason", Reason.Rule));
        }

        return device.Status == DeviceStatus.Active
            ? Decision.Unchanged
            : Decision.Of(new DeviceResumed(device.DeviceId, reason!.Trim(), by.ToString(), at));
    }
}

/// <summary>Refusals the store finds (a unique key) or that several rules share.</summary>
public static class DeviceRefusals
{
    public static Refusal Exists(string deviceId) => new(RefusalKind.Conflict, "device-exists", "Device already enrolled",
        $"Device '{deviceId}' exists; bind a renewed certificate with POST /api/devices/{deviceId}/certificates.");

    public static Refusal CertificateTaken() => new(RefusalKind.Conflict, "certificate-taken", "Certificate already bound",
        "certificate: this certificate is already bound to a device; a certificate belongs to one device. Issue a new one.");

    public static Refusal CertificateRetired(string deviceId) => new(RefusalKind.Conflict, "certificate-retired",
        "Certificate retired", $"certificate: this certificate was retired from device '{deviceId}' and cannot be bound again. Issue a new one.");

    public static Refusal UnknownStation(string stationId) => new(RefusalKind.Unprocessable, "unknown-station",
        "Unknown station", $"stationId: no station '{stationId}'; register it first with POST /api/stations.");

    public static Refusal NotFound(string deviceId) =>
        new(RefusalKind.NotFound, "not-found", "Device not found", $"No device '{deviceId}'.");
}
