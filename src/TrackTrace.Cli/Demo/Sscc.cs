using System.Security.Cryptography;
using TrackTrace.Domain.Shipments;

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
        return data + ShipmentId.Gs1CheckDigit(data);
    }
}
