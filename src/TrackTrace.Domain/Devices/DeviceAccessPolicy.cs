namespace TrackTrace.Domain.Devices;

public static class RejectionReasons
{
    public const string UnknownDevice = "unknown-device";
    public const string Suspended = "suspended";
    public const string AttributeMismatch = "attribute-mismatch";
    public const string CertificateNotValidNow = "certificate-not-valid-now";
    public const string CertificateRetired = "certificate-retired";
}

/// <summary>Why a device's request was refused. Names the attribute, never the value it should have.</summary>
public sealed record DeviceRejection(string Reason, string? Attribute, string Detail);

/// <summary>
/// The second factor: every request's device must exist and carry the attributes the operator
/// expects (configuration, e.g. <c>status = active</c>, <c>epoch = 7</c>). Pure, so it is checked
/// identically on every instance and tested without a database.
/// </summary>
public sealed class DeviceAccessPolicy(IReadOnlyDictionary<string, string> expectedAttributes)
{
    public IReadOnlyDictionary<string, string> ExpectedAttributes { get; } = expectedAttributes;

    /// <param name="device">The device the certificate is bound to, if any.</param>
    /// <param name="fingerprint">The certificate presented: it may have been retired while the device lives on.</param>
    /// <param name="now">A renewed certificate whose grace has ended is refused from then on, before the sweep records its retirement.</param>
    public DeviceRejection? Check(Device? device, string fingerprint, DateTimeOffset now)
    {
        if (device is null)
        {
            return new DeviceRejection(RejectionReasons.UnknownDevice, null,
                "the client certificate is valid but is not enrolled to any device");
        }

        if (device.IsRetired(fingerprint))
        {
            return new DeviceRejection(RejectionReasons.CertificateRetired, "certificate",
                $"this certificate of device '{device.DeviceId}' was retired; use the device's current certificate");
        }

        if (device.AwaitingRetirement.FirstOrDefault(p => p.Fingerprint == fingerprint && p.GraceEndsAt <= now) is { } ended)
        {
            return new DeviceRejection(RejectionReasons.CertificateRetired, "certificate",
                $"this certificate of device '{device.DeviceId}' was renewed and its grace ended at {ended.GraceEndsAt:O}; use the renewed certificate");
        }

        var actual = device.EffectiveAttributes();
        foreach (var (name, expected) in ExpectedAttributes)
        {
            if (actual.TryGetValue(name, out var value) && value == expected)
            {
                continue;
            }

            var reason = name == "status" && device.Status == DeviceStatus.Suspended
                ? RejectionReasons.Suspended
                : RejectionReasons.AttributeMismatch;
            return new DeviceRejection(reason, name,
                $"device '{device.DeviceId}' does not have the expected value for attribute '{name}'");
        }

        return null;
    }
}
