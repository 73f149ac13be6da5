using System.Text.RegularExpressions;

namespace TrackTrace.Domain.Devices;

/// <summary>The operator-set attributes of a device: names, values and how many.</summary>
public static partial class DeviceAttributes
{
    public const int MaxCount = 64;
    public const int MaxValueLength = 256;

    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,63}\\z")]
    private static partial Regex NamePattern();

    /// <summary>What is wrong with a set of attributes; empty when it is acceptable.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyDictionary<string, string>? attributes)
    {
        var problems = new List<string>();
        foreach (var (name, value) in attributes ?? new Dictionary<string, string>())
        {
            if (Device.ReservedAttributes.Contains(name))
            {
                problems.Add($"'{name}' is owned by the service (use suspend/resume, or enroll anew)");
            }
            else if (!NamePattern().IsMatch(name))
            {
                problems.Add($"'{name}' is not a valid name (lower-case letter, then a-z, 0-9, '_', '.', '-'; at most 64)");
            }
            else if (value is null || value.Length > MaxValueLength)
            {
                problems.Add($"'{name}' needs a value of at most {MaxValueLength} characters");
            }
        }

        if (attributes is { Count: > MaxCount })
        {
            problems.Add($"at most {MaxCount} attributes");
        }

        return problems;
    }

    public static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
