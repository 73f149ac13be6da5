using System.Text.RegularExpressions;

namespace TrackTrace.Domain.Shipments;

/// <summary>
/// Shipment ids are either a GS1 SSCC-18 (18 digits, the last one a mod-10 check digit) or an
/// operator reference of 3 to 40 upper-case letters, digits, '.', '_' or '-' that starts with a
/// letter or digit. An all-digit id of 18 digits must carry a correct check digit, so a mistyped
/// SSCC is refused instead of becoming a new shipment.
/// </summary>
public static partial class ShipmentId
{
    public const string Rule =
        "an SSCC-18 (18 digits with a valid GS1 check digit) or a reference of 3-40 characters A-Z, 0-9, '.', '_', '-' starting with A-Z or 0-9";

    // \z, not $: $ also matches before a final line break, which would let "X-1\n" in as an id.
    [GeneratedRegex(@"^[A-Z0-9][A-Z0-9._-]{2,39}\z")]
    private static partial Regex Reference();

    public static bool IsValid(string? id, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(id))
        {
            problem = "is required";
            return false;
        }

        if (id.Length == 18 && id.All(char.IsAsciiDigit))
        {
            if (Gs1CheckDigit(id.AsSpan(0, 17)) == id[17] - '0')
            {
                return true;
            }

            problem = $"'{id}' looks like an SSCC-18 but its check digit is wrong (expected {Gs1CheckDigit(id.AsSpan(0, 17))})";
            return false;
        }

        if (Reference().IsMatch(id))
        {
            return true;
        }

        problem = $"'{id}' is not {Rule}";
        return false;
    }

    /// <summary>GS1 mod-10: weights 3 and 1 alternate from the rightmost data digit.</summary>
    public static int Gs1CheckDigit(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var weight = (digits.Length - i) % 2 == 1 ? 3 : 1;
            sum += (digits[i] - '0') * weight;
        }

        return (10 - sum % 10) % 10;
    }
}
