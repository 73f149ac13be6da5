using System.Security.Cryptography;

namespace TrackTrace.Cli.Demo;

/// <summary>GS1 Serial Shipping Container Codes (SSCC-18), the id a real pallet or container carries.</summary>
internal static class Sscc
{
    /// <summary>A made-up GS1 company prefix in the Netherlands' range (870-879).</summary>
    public const string DemoCompanyPrefix = "8712345";

    /// <summary>Extension digit 0, the demo company prefix, a random 9-digit serial and the check digit.</summary>
    public static string New()
    {
        var serial = RandomNumberGenerator.GetInt32(0, 1_000_000_000).ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
        var data = "0" + DemoCompanyPrefix + serial;
        return data + CheckDigit(data);
    }

    /// <summary>
    /// GS1 mod-10 over the 17 data digits: weights 3 and 1 alternate from the rightmost digit. The
    /// service refuses an 18-digit id whose check digit is wrong (ShipmentId in the domain).
    /// </summary>
    public static int CheckDigit(ReadOnlySpan<char> digits)
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
