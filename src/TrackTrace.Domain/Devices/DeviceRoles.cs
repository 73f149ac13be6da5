namespace TrackTrace.Domain.Devices;

/// <summary>The four roles by their one wire name each; nothing else is a role.</summary>
public static class DeviceRoles
{
    public const string Scanner = "scanner";
    public const string Sensor = "sensor";
    public const string Staff = "staff";
    public const string Admin = "admin";

    public const string Rule = "one of scanner, sensor, staff, admin";

    private static readonly Dictionary<string, DeviceRole> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        [Scanner] = DeviceRole.Scanner,
        [Sensor] = DeviceRole.Sensor,
        [Staff] = DeviceRole.Staff,
        [Admin] = DeviceRole.Admin,
    };

    public static string Name(DeviceRole role) => role switch
    {
        DeviceRole.Scanner => Scanner,
        DeviceRole.Sensor => Sensor,
        DeviceRole.Staff => Staff,
        DeviceRole.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a device role"),
    };

    /// <summary>
    /// Exactly one role name (any letter case). Not Enum.TryParse: it reads "sensor,staff" as a flags
    /// value and "3" as a number, so a crafted role could enroll an admin.
    /// </summary>
    public static bool TryParse(string? name, out DeviceRole role) => ByName.TryGetValue(name ?? "", out role);
}
