namespace TrackTrace.Domain.Devices;

/// <summary>The four roles by their one wire name each; nothing else is a role.</summary>
public static class DeviceRoles
{
    public const string Scanner = "scanner";
    public const string Sensor = "sensor";
    public const string Staff = "staff";
    public const string Admin = "admin";
    public const string Partner = "partner";

    public const string Rule = "one of scanner, sensor, staff, admin, partner";

    /// <summary>
    /// The attribute that names the stations a partner serves (station ids, comma-separated): its
    /// authority, changed like any attribute (audited, effective on the next request).
    /// </summary>
    public const string PartnerStationsAttribute = "stations";

    private static readonly Dictionary<string, DeviceRole> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        [Scanner] = DeviceRole.Scanner,
        [Sensor] = DeviceRole.Sensor,
        [Staff] = DeviceRole.Staff,
        [Admin] = DeviceRole.Admin,
        [Partner] = DeviceRole.Partner,
    };

    public static string Name(DeviceRole role) => role switch
    {
        DeviceRole.Scanner => Scanner,
        DeviceRole.Sensor => Sensor,
        DeviceRole.Staff => Staff,
        DeviceRole.Admin => Admin,
        DeviceRole.Partner => Partner,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a device role"),
    };

    /// <summary>
    /// Exactly one role name (any letter case). Not Enum.TryParse: it reads "sensor,staff" as a flags
    /// value and "3" as a number, so a crafted role could enroll an admin.
    /// </summary>
    public static bool TryParse(string? name, out DeviceRole role) => ByName.TryGetValue(name ?? "", out role);

    /// <summary>The stations a device may capture for: a scanner its own, a partner those it serves; others none.</summary>
    public static IReadOnlySet<string> StationsServed(Device device) => device.Role switch
    {
        DeviceRole.Scanner when device.StationId is not null => new HashSet<string> { device.StationId },
        DeviceRole.Partner when device.Attributes.TryGetValue(PartnerStationsAttribute, out var list) =>
            list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
        _ => new HashSet<string>(),
    };
}
