using System.Security.Cryptography;
using System.Text;

namespace TrackTrace.Pki;

/// <summary>
/// DER as it arrives: raw, as base64 (an EST body, with line breaks or other white space anywhere,
/// RFC 8951), or as PEM. One reader, so a CSR and a PKCS#7 message are taken in the same forms.
/// </summary>
internal static class BinaryOrText
{
    public static byte[] Decode(ReadOnlySpan<byte> data, string[] pemLabels, Func<string, Exception> refuse)
    {
        var trimmed = data.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty)
        {
            throw refuse("it is empty");
        }

        // Everything read here is a DER SEQUENCE (0x30). Base64 of a SEQUENCE starts with 'M', so
        // text starting with '0' (also 0x30) could not have been one anyway.
        if (trimmed[0] == 0x30)
        {
            return trimmed.ToArray();
        }

        foreach (var b in trimmed)
        {
            if (b > 0x7F || (b < 0x20 && !IsWhiteSpace(b)))
            {
                throw refuse("it is neither DER (a SEQUENCE) nor base64 or PEM text");
            }
        }

        var text = Encoding.ASCII.GetString(trimmed);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return FromPem(text, pemLabels, refuse);
        }

        var base64 = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!IsWhiteSpace((byte)c))
            {
                base64.Append(c);
            }
        }

        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.ToString(), buffer, out var written)
            ? buffer[..written]
            : throw refuse("it is not valid base64");
    }

    private static byte[] FromPem(string text, string[] pemLabels, Func<string, Exception> refuse)
    {
        var rest = text.AsSpan();
        var labels = new List<string>();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (pemLabels.Contains(label))
            {
                return Convert.FromBase64String(rest[fields.Base64Data].ToString());
            }

            labels.Add(label);
            rest = rest[fields.Location.End..];
        }

        throw refuse(labels.Count == 0
            ? "its PEM is broken"
            : $"it holds PEM {string.Join(", ", labels)} but no {pemLabels[0]}");
    }

    private static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
