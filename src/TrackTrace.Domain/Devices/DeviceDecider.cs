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

/// <summary>Register a device that will enroll itself: what <see cref="EnrollDevice"/> says, without a certificate, and its first token.</summary>
public sealed record RegisterDevice(
    string? DeviceId,
    string? Role,
    string? StationId,
    IReadOnlyDictionary<string, string>? Attributes,
    NewEnrollmentToken Token,
    Actor By,
    DateTimeOffset At);

/// <summary>A token made by the caller (random bytes are not the decider's business): its SHA-256 and when it expires.</summary>
public sealed record NewEnrollmentToken(string TokenSha256, DateTimeOffset ExpiresAt);

/// <summary>
/// Someone presents a token for the device over EST. <paramref name="RecordRepeatsEvery"/>: refusals
/// that count against no live token (a replay, an expired or voided token, a suspended device) are
/// recorded at most once per this window, so nobody can grow a device's stream without bound.
/// </summary>
public sealed record EnrollmentAttempt(string PresentedTokenSha256, string? From, DateTimeOffset At, TimeSpan RecordRepeatsEvery);

/// <summary>
/// The device renews itself over mTLS with <paramref name="PresentedFingerprint"/> (the certificate
/// it authenticated with, whose key is <paramref name="PresentedPublicKeySha256"/>): bind
/// <paramref name="Certificate"/>, issued for the key of its new request.
/// </summary>
public sealed record RenewCertificate(
    string PresentedFingerprint,
    string PresentedPublicKeySha256,
    DeviceCertificateInfo Certificate,
    string KeyAlgorithm,
    TimeSpan Grace,
    DateTimeOffset At);

/// <summary>
/// The device rules as pure functions: the device as it is now and a command in, facts or a
/// refusal out. No event means nothing changes (a retry, or a state already reached).
/// </summary>
public static class DeviceDecider
{
    /// <summary>Wrong enrollment tokens tolerated against one token; the last of them voids it, and an admin must issue a new one.</summary>
    public const int MaxWrongTokens = 5;

    /// <summary>Who voids a token that was guessed at too often, and who retires certificates whose renewal grace ended.</summary>
    public static readonly Actor EnrollmentAttempts = Actor.Monitor("enrollment-attempts");

    public static readonly Actor RenewalGrace = Actor.Monitor("renewal-grace");

    /// <summary>Who suspends a device whose retired certificate came back after its successor was in use.</summary>
    public static readonly Actor RetiredCertificateReused = Actor.Monitor("retired-certificate-reused");

    /// <param name="station">The station the command names, as registered; null when it names none or an unknown one.</param>
    public static Decision Enroll(EnrollDevice command, Station? station)
    {
        if (Describe(command.DeviceId, command.Role, command.StationId, command.Attributes, station) is { } refusal)
        {
            return Decision.Refuse(refusal);
        }

        DeviceRoles.TryParse(command.Role, out var role);
        return Decision.Of(new DeviceEnrolled(command.DeviceId!, role, command.StationId, command.Certificate,
            command.Attributes ?? new Dictionary<string, string>(), command.By.ToString(), command.At));
    }

    /// <summary>A device that will make its own key and enroll with the token issued here; it holds no certificate until then.</summary>
    public static Decision Register(RegisterDevice command, Station? station)
    {
        if (Describe(command.DeviceId, command.Role, command.StationId, command.Attributes, station) is { } refusal)
        {
            return Decision.Refuse(refusal);
        }

        DeviceRoles.TryParse(command.Role, out var role);
        var by = command.By.ToString();
        return Decision.Of(
            new DeviceRegistered(command.DeviceId!, role, command.StationId, command.Attributes ?? new Dictionary<string, string>(),
                by, command.At),
            new EnrollmentTokenIssued(command.DeviceId!, command.Token.TokenSha256, command.Token.ExpiresAt, by, command.At));
    }

    /// <summary>A fresh enrollment token; a live one is voided first, so only the newest works.</summary>
    public static Decision IssueEnrollmentToken(Device device, NewEnrollmentToken token, Actor by, DateTimeOffset at, string? reason = null)
    {
        // Why a device needs a new token (its key was lost, the first one expired) is optional, and kept when given.
        if (reason is not null && !Reason.IsValid(reason))
        {
            return Decision.Refuse(Refusal.Invalid("reason", Reason.Rule));
        }

        var events = new List<object>();
        if (device.Enrollment is { State: EnrollmentTokenState.Live })
        {
            events.Add(new EnrollmentTokenVoided(device.DeviceId, "replaced by a new enrollment token", by.ToString(), at));
        }

        events.Add(new EnrollmentTokenIssued(device.DeviceId, token.TokenSha256, token.ExpiresAt, by.ToString(), at, reason));
        return Decision.Of([.. events]);
    }

    /// <summary>
    /// Whether the presented token lets the device enroll now: <see cref="Decision.Unchanged"/> when
    /// it does; otherwise a refusal, with the <see cref="EnrollmentRefused"/> fact to record (and, on
    /// the last wrong try a token tolerates, the token voided). Only a caller holding the right token
    /// learns why beyond "wrong": that it expired, was used or voided, or that the device is suspended.
    /// </summary>
    public static Decision AuthorizeEnrollment(Device device, EnrollmentAttempt attempt)
    {
        var token = device.Enrollment;
        // Every token is compared, so the time taken says nothing about which one (if any) matched.
        var matched = device.PastTokens.Prepend(token).OfType<EnrollmentToken>()
            .Select(t => SameHash(t.TokenSha256, attempt.PresentedTokenSha256) ? t : null).ToArray().FirstOrDefault(t => t is not null);
        var (reason, refusal) = matched switch
        {
            null => (EnrollmentRefusalReasons.TokenWrong, EnrollmentRefusals.InvalidCredentials()),
            { State: EnrollmentTokenState.Used } => (EnrollmentRefusalReasons.TokenUsed, EnrollmentRefusals.TokenUsed(device.DeviceId)),
            { State: EnrollmentTokenState.Voided } => (EnrollmentRefusalReasons.TokenVoided, EnrollmentRefusals.TokenVoided(device.DeviceId)),
            _ when !matched.IsLive(attempt.At) => (EnrollmentRefusalReasons.TokenExpired, EnrollmentRefusals.TokenExpired(device.DeviceId, matched.ExpiresAt)),
            _ when device.Status == DeviceStatus.Suspended => (EnrollmentRefusalReasons.DeviceSuspended, EnrollmentRefusals.Suspended(device.DeviceId)),
            _ => (null, null),
        };
        if (refusal is null)
        {
            return Decision.Unchanged;
        }

        var guessedAtLiveToken = matched is null && token is not null && token.IsLive(attempt.At);
        var recordedLately = device.LastEnrollmentRefusalAt is { } last && attempt.At - last < attempt.RecordRepeatsEvery;
        if (!guessedAtLiveToken && recordedLately)
        {
            return Decision.Refuse(refusal);
        }

        var refused = new EnrollmentRefused(device.DeviceId, reason!, refusal.Detail, attempt.From, attempt.At);
        return guessedAtLiveToken && token!.WrongAttempts + 1 >= MaxWrongTokens
            ? Decision.Refuse(refusal, refused, new EnrollmentTokenVoided(device.DeviceId,
                $"{MaxWrongTokens} wrong enrollment tokens were tried; an admin must issue a new one", EnrollmentAttempts.ToString(), attempt.At))
            : Decision.Refuse(refusal, refused);
    }

    /// <summary>The token is used up and <paramref name="certificate"/> bound in one fact, if <see cref="AuthorizeEnrollment"/> still agrees.</summary>
    public static Decision CompleteEnrollment(
        Device device, EnrollmentAttempt attempt, DeviceCertificateInfo certificate, string keyAlgorithm)
    {
        var authorized = AuthorizeEnrollment(device, attempt);
        if (authorized.Refused)
        {
            return authorized;
        }

        return device.Certificates.Any(c => c.Fingerprint == certificate.Fingerprint)
            ? Decision.Refuse(DeviceRefusals.CertificateTaken())
            : Decision.Of(new EnrollmentCompleted(device.DeviceId, certificate, keyAlgorithm, Actor.Device(device.DeviceId).ToString(), attempt.At));
    }

    /// <summary>
    /// The device renews itself: the new certificate is bound as a renewal of the one it presented,
    /// which keeps working until the new one is first used or the grace ends. A request for a key
    /// the device already holds a certificate for is refused: a renewal exists to change the key.
    /// Renewed successors of the presented certificate that were never used are retired now.
    /// </summary>
    public static Decision Renew(Device device, RenewCertificate command)
    {
        if (device.Status == DeviceStatus.Suspended)
        {
            return Decision.Refuse(EnrollmentRefusals.Suspended(device.DeviceId));
        }

        if (device.IsRetired(command.PresentedFingerprint) || device.Certificates.All(c => c.Fingerprint != command.PresentedFingerprint))
        {
            return Decision.Refuse(DeviceRefusals.CertificateRetired(device.DeviceId));
        }

        var newKey = command.Certificate.PublicKeySha256;
        if (newKey == command.PresentedPublicKeySha256 || device.LiveCertificates().Any(c => c.PublicKeySha256 is { } key && key == newKey))
        {
            return Decision.Refuse(EnrollmentRefusals.KeyReused(device.DeviceId));
        }

        var by = Actor.Device(device.DeviceId).ToString();
        var events = new List<object>();
        foreach (var unused in device.AwaitingRetirement.Where(p => p.Fingerprint == command.PresentedFingerprint))
        {
            events.Add(new DeviceCertificateRetired(device.DeviceId, unused.Successor,
                "replaced by a newer renewal before it was ever used", by, command.At));
        }

        events.Add(new DeviceCertificateRenewed(device.DeviceId, command.Certificate, command.KeyAlgorithm,
            command.PresentedFingerprint, command.At + command.Grace, by, command.At));
        return Decision.Of([.. events]);
    }

    /// <summary>
    /// A renewed certificate was used for the first time: the certificates it renewed are retired,
    /// by the device itself. Nothing changes when they are retired already (another instance saw it first).
    /// </summary>
    public static Decision RetireRenewed(Device device, string successorFingerprint, DateTimeOffset at)
    {
        var by = Actor.Device(device.DeviceId).ToString();
        return Decision.Of([.. device.RetiredOnFirstUseOf(successorFingerprint).Select(p => (object)new DeviceCertificateRetired(
            device.DeviceId, p.Fingerprint, $"renewed: its successor {Short(successorFingerprint)} was used", by, at, successorFingerprint))]);
    }

    /// <summary>Certificates whose renewal grace has ended by <paramref name="at"/> without their successor being used.</summary>
    public static Decision RetireAfterGrace(Device device, DateTimeOffset at) =>
        Decision.Of([.. device.AwaitingRetirement.Where(p => p.GraceEndsAt <= at).Select(p => (object)new DeviceCertificateRetired(
            device.DeviceId, p.Fingerprint, $"renewed: the grace ended at {p.GraceEndsAt:O} before its successor {Short(p.Successor)} was used",
            RenewalGrace.ToString(), at))]);

    /// <summary>
    /// A request came with <paramref name="fingerprint"/>, retired because its successor was used: two
    /// holders of the device's keys. Suspends the device, the same fact as a manual suspension.
    /// Anything else (a certificate retired by an admin or by the grace) is refused and nothing more.
    /// </summary>
    public static Decision SuspectClone(Device device, string fingerprint, DateTimeOffset at)
    {
        var retired = device.RetiredCertificates.FirstOrDefault(r => r.Fingerprint == fingerprint);
        return retired?.SupersededBy is { } successor
            ? Suspend(device, $"retired certificate {Short(fingerprint)} was used after its successor {Short(successor)} was: " +
                              "its key is in two hands (clone suspected)", RetiredCertificateReused, at)
            : Decision.Unchanged;
    }

    private static string Short(string fingerprint) => fingerprint.Length > 16 ? fingerprint[..16] : fingerprint;

    /// <summary>SHA-256 hex digests compared in time that does not depend on where they differ.</summary>
    private static bool SameHash(string expected, string presented)
    {
        if (expected.Length != presented.Length)
        {
            return false;
        }

        var difference = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            difference |= expected[i] ^ presented[i];
        }

        return difference == 0;
    }

    /// <summary>The rules a device's description must meet, whether it comes with a certificate or will enroll itself.</summary>
    private static Refusal? Describe(
        string? deviceId, string? roleName, string? stationId, IReadOnlyDictionary<string, string>? attributes, Station? station)
    {
        var errors = new Dictionary<string, string[]>();
        if (!DeviceId.IsValid(deviceId))
        {
            errors["deviceId"] = [$"required: {DeviceId.Rule}"];
        }

        if (!DeviceRoles.TryParse(roleName, out var role))
        {
            errors["role"] = [$"required: {DeviceRoles.Rule}"];
        }
        else if (role == DeviceRole.Scanner && string.IsNullOrEmpty(stationId))
        {
            errors["stationId"] = ["required for a scanner: the station it scans at"];
        }
        else if (role != DeviceRole.Scanner && stationId is not null)
        {
            errors["stationId"] = ["only scanners are bound to a station"];
        }

        if (DeviceAttributes.Problems(attributes) is { Count: > 0 } problems)
        {
            errors["attributes"] = [.. problems];
        }

        if (errors.Count > 0)
        {
            return Refusal.Invalid(errors);
        }

        return stationId is not null && station?.StationId != stationId ? DeviceRefusals.UnknownStation(stationId) : null;
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

/// <summary>Refusals of enrollment and renewal over EST.</summary>
public static class EnrollmentRefusals
{
    /// <summary>The one answer for a wrong token, an unknown device and missing credentials alike: it tells a guesser nothing.</summary>
    public static Refusal InvalidCredentials() => new(RefusalKind.Unauthenticated, "enrollment-credentials-invalid",
        "Enrollment refused",
        "The device id and enrollment token do not match a token issued for that device. Send Authorization: Basic " +
        "base64(deviceId:token) with the token an admin issued (POST /api/devices or POST /api/devices/{id}/enrollment-token).");

    public static Refusal TokenUsed(string deviceId) => new(RefusalKind.Unauthenticated, "enrollment-token-used",
        "Enrollment token already used",
        $"This enrollment token of device '{deviceId}' was used already; a token enrolls once. " +
        $"An admin issues a new one with POST /api/devices/{deviceId}/enrollment-token.");

    public static Refusal TokenVoided(string deviceId) => new(RefusalKind.Unauthenticated, "enrollment-token-voided",
        "Enrollment token voided",
        $"This enrollment token of device '{deviceId}' was voided (replaced, or too many wrong tokens were tried). " +
        $"An admin issues a new one with POST /api/devices/{deviceId}/enrollment-token.");

    public static Refusal TokenExpired(string deviceId, DateTimeOffset expiredAt) => new(RefusalKind.Unauthenticated,
        "enrollment-token-expired", "Enrollment token expired",
        $"This enrollment token of device '{deviceId}' expired at {expiredAt:O}. " +
        $"An admin issues a new one with POST /api/devices/{deviceId}/enrollment-token.");

    public static Refusal Suspended(string deviceId) => new(RefusalKind.Forbidden, "device-suspended", "Device suspended",
        $"Device '{deviceId}' is suspended: it can neither enroll nor renew until an admin resumes it.");

    public static Refusal KeyReused(string deviceId) => new(RefusalKind.Invalid, "key-reused", "Renewal with a key in use",
        $"The request carries a public key device '{deviceId}' already holds a certificate for; renewing exists to change the key. " +
        "Make a new key and a new request.",
        new Dictionary<string, string[]> { ["csr"] = ["a new key: not the key of the certificate presented, nor of another live certificate"] });
}
