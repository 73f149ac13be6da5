using System.Text.RegularExpressions;

namespace TrackTrace.Domain.Devices;

/// <summary>
/// The identifier of a device, used as the CN of its client certificate, as its file name on the
/// operator's machine and in stream keys, so it must be safe in all of them. The CLI and the service
/// share this one rule.
/// </summary>
public static partial class DeviceId
{
    /// <summary>The accepted form, as documented for users.</summary>
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    /// <summary>The rule in words, for answers that name what is accepted.</summary>
    public const string Rule = "1-64 characters A-Z, a-z, 0-9, '.', '_', '-' starting with a letter or digit";

    public static bool IsValid(string? deviceId) => deviceId is not null && ValidForm().IsMatch(deviceId);

    /// <summary>Throws <see cref="ArgumentException"/> with a human message when the id is not valid.</summary>
    public static void EnsureValid(string? deviceId, string? paramName = null)
    {
        if (!IsValid(deviceId))
        {
            throw new ArgumentException(Describe(deviceId), paramName);
        }
    }

    /// <summary>Why the id is refused, for error messages.</summary>
    public static string Describe(string? deviceId) =>
        $"invalid device id '{deviceId}': use 1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit (pattern {Pattern})";

    // \z rather than $: in .NET, $ also matches before a trailing newline, which would let "id\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValidForm();
}
