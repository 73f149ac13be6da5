using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// X-TrackTrace-Signature: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> over
/// <c>"&lt;t&gt;.&lt;deliveryId&gt;.&lt;body&gt;"</c> with the webhook's secret, as the established
/// webhook providers sign. The timestamp lets a receiver refuse a replayed old delivery; the delivery
/// id inside the signature stops a captured body from being replayed under another id.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-TrackTrace-Signature";
    public const string DeliveryHeaderName = "X-TrackTrace-Delivery";

    public static string Header(string secret, long unixSeconds, string deliveryId, string body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes($"{t}.{deliveryId}.{body}");
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }
}
