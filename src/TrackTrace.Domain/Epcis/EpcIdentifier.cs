using System.Text;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Domain.Epcis;

/// <summary>
/// One identifier, two spellings: the EPC URN (<c>urn:epc:id:sscc:4012345.0000000333</c>) and the
/// GS1 Digital Link (<c>https://id.gs1.org/00/040123450000003338</c>) name the same logistic unit.
/// Everything is indexed under one canonical form, the Digital Link on <c>id.gs1.org</c> (the
/// EPCIS 2.0 default, <c>GS1-EPC-Format: Always_GS1_Digital_Link</c>), so a query in either
/// spelling finds events captured in the other. Captured documents keep their own spelling.
/// An identifier that is not a well-formed GS1 key (a <c>urn:uuid:</c>, a private URI, a key
/// with a wrong check digit) is its own canonical form: it still matches itself exactly.
/// </summary>
public static class EpcIdentifier
{
    public const string DigitalLinkBase = "https://id.gs1.org";

    /// <summary>The canonical form of an identifier (an EPC, a class, a location, a party).</summary>
    public static string Canonical(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (TryUrn(uri, out var link) || TryDigitalLink(uri, out link))
        {
            return link;
        }

        // A class written as a pattern (quantityList's "urn:epc:idpat:sgtin:4054739.099914.*") is its class.
        return uri.StartsWith("urn:epc:idpat:", StringComparison.OrdinalIgnoreCase) &&
               TryPattern(uri["urn:epc:idpat:".Length..], out var pattern) && pattern.Exact is { } exact
            ? exact
            : uri;
    }

    /// <summary>True when <paramref name="uri"/> is a GS1 key this class can translate.</summary>
    public static bool IsGs1Key(string uri) => TryUrn(uri, out _) || TryDigitalLink(uri, out _);

    /// <summary>
    /// A query value: an identifier matches itself; an EPC pattern (<c>urn:epc:idpat:sgtin:0614141.107346.*</c>)
    /// matches every key that starts with what it fixes, and a class (<c>.../01/{gtin}</c>) also matches the
    /// instances and lots of that class.
    /// </summary>
    public static EpcMatch Match(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.StartsWith("urn:epc:idpat:", StringComparison.OrdinalIgnoreCase))
        {
            return TryPattern(value["urn:epc:idpat:".Length..], out var match)
                ? match
                : new EpcMatch(value, null);
        }

        var canonical = Canonical(value);
        return new EpcMatch(canonical, null);
    }

    /// <summary>A GLN (13 digits) as its Digital Link, for paths such as <c>/bizLocations/{gln}/events</c>.</summary>
    public static string? GlnToDigitalLink(string gln) =>
        IsKeyWithCheckDigit(gln, 13) ? $"{DigitalLinkBase}/414/{gln}" : null;

    /// <summary>An SSCC-18 (18 digits) as its Digital Link.</summary>
    public static string? SsccToDigitalLink(string sscc) =>
        IsKeyWithCheckDigit(sscc, 18) ? $"{DigitalLinkBase}/00/{sscc}" : null;

    // --- EPC URNs (GS1 EPC Tag Data Standard, pure-identity and class URIs) ---

    private static bool TryUrn(string uri, out string link)
    {
        link = "";
        const string id = "urn:epc:id:";
        const string cls = "urn:epc:class:";
        if (uri.StartsWith(id, StringComparison.OrdinalIgnoreCase))
        {
            var rest = uri[id.Length..];
            var colon = rest.IndexOf(':');
            return colon > 0 && TryIdentity(rest[..colon].ToLowerInvariant(), rest[(colon + 1)..].Split('.'), out link);
        }

        if (uri.StartsWith(cls + "lgtin:", StringComparison.OrdinalIgnoreCase))
        {
            var parts = uri[(cls.Length + "lgtin:".Length)..].Split('.');
            if (parts.Length == 3 && Gtin(parts[0], parts[1]) is { } gtin && Decode(parts[2]) is { Length: > 0 } lot)
            {
                link = $"{DigitalLinkBase}/01/{gtin}/10/{Encode(lot)}";
                return true;
            }
        }

        return false;
    }

    private static bool TryIdentity(string scheme, string[] p, out string link)
    {
        link = scheme switch
        {
            "sgtin" when p.Length == 3 && Gtin(p[0], p[1]) is { } gtin && Serial(p[2]) is { } serial =>
                $"/01/{gtin}/21/{serial}",
            "sscc" when p.Length == 2 && Digits(p[0], p[1], 17) && p[1].Length >= 1 =>
                $"/00/{WithCheckDigit(p[1][..1] + p[0] + p[1][1..])}",
            "sgln" when p.Length == 3 && Digits(p[0], p[1], 12) && Decode(p[2]) is { Length: > 0 } extension =>
                $"/414/{WithCheckDigit(p[0] + p[1])}" + (extension == "0" ? "" : $"/254/{Encode(extension)}"),
            "grai" when p.Length == 3 && Digits(p[0], p[1], 12) && Decode(p[2]) is { } serial =>
                $"/8003/0{WithCheckDigit(p[0] + p[1])}{Encode(serial)}",
            "giai" when p.Length == 2 && CompanyPrefix(p[0]) && Decode(p[1]) is { Length: > 0 } asset =>
                $"/8004/{p[0]}{Encode(asset)}",
            "gsrn" when p.Length == 2 && Digits(p[0], p[1], 17) => $"/8018/{WithCheckDigit(p[0] + p[1])}",
            "gsrnp" when p.Length == 2 && Digits(p[0], p[1], 17) => $"/8017/{WithCheckDigit(p[0] + p[1])}",
            "gdti" when p.Length == 3 && Digits(p[0], p[1], 12) && Decode(p[2]) is { } serial =>
                $"/253/{WithCheckDigit(p[0] + p[1])}{Encode(serial)}",
            "sgcn" when p.Length == 3 && Digits(p[0], p[1], 12) && p[2].All(char.IsAsciiDigit) =>
                $"/255/{WithCheckDigit(p[0] + p[1])}{p[2]}",
            "pgln" when p.Length == 2 && Digits(p[0], p[1], 12) => $"/417/{WithCheckDigit(p[0] + p[1])}",
            "gsin" when p.Length == 2 && Digits(p[0], p[1], 16) => $"/402/{WithCheckDigit(p[0] + p[1])}",
            "ginc" when p.Length == 2 && CompanyPrefix(p[0]) && Decode(p[1]) is { Length: > 0 } consignment =>
                $"/401/{p[0]}{Encode(consignment)}",
            "cpi" when p.Length == 3 && CompanyPrefix(p[0]) && Decode(p[1]) is { Length: > 0 } part && p[2].All(char.IsAsciiDigit) && p[2].Length > 0 =>
                $"/8010/{p[0]}{Encode(part)}/8011/{p[2]}",
            "itip" when p.Length == 5 && Gtin(p[0], p[1]) is { } gtin && TwoDigits(p[2]) && TwoDigits(p[3]) && Serial(p[4]) is { } serial =>
                $"/8006/{gtin}{p[2]}{p[3]}/21/{serial}",
            "upui" when p.Length == 3 && Gtin(p[0], p[1]) is { } gtin && Serial(p[2]) is { } tpx =>
                $"/01/{gtin}/235/{tpx}",
            _ => "",
        };
        if (link.Length == 0)
        {
            return false;
        }

        link = DigitalLinkBase + link;
        return true;
    }

    /// <summary>
    /// Patterns fix every field but the last, which is '*': they name a class (a GTIN, an asset type)
    /// and match it and every instance of it.
    /// </summary>
    private static bool TryPattern(string rest, out EpcMatch match)
    {
        match = default;
        var colon = rest.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var scheme = rest[..colon].ToLowerInvariant();
        var p = rest[(colon + 1)..].Split('.');
        if (p[^1] != "*" || p[..^1].Any(f => f.Contains('*')))
        {
            // A pattern without '*' is an identity; wider wildcards cannot be told from a Digital Link.
            if (!rest.Contains('*') && TryIdentity(scheme, p, out var identity))
            {
                match = new EpcMatch(identity, null);
                return true;
            }

            return false;
        }

        // Serials that follow as their own path segment need the separator; concatenated ones do not.
        var (@class, separated) = scheme switch
        {
            "sgtin" when p.Length == 3 && Gtin(p[0], p[1]) is { } gtin => ($"/01/{gtin}", true),
            "itip" when p.Length == 5 && Gtin(p[0], p[1]) is { } gtin && TwoDigits(p[2]) && TwoDigits(p[3]) =>
                ($"/8006/{gtin}{p[2]}{p[3]}", true),
            "sgln" when p.Length == 3 && Digits(p[0], p[1], 12) => ($"/414/{WithCheckDigit(p[0] + p[1])}", true),
            "cpi" when p.Length == 3 && CompanyPrefix(p[0]) && Decode(p[1]) is { Length: > 0 } part =>
                ($"/8010/{p[0]}{Encode(part)}", true),
            "grai" when p.Length == 3 && Digits(p[0], p[1], 12) => ($"/8003/0{WithCheckDigit(p[0] + p[1])}", false),
            "gdti" when p.Length == 3 && Digits(p[0], p[1], 12) => ($"/253/{WithCheckDigit(p[0] + p[1])}", false),
            "sgcn" when p.Length == 3 && Digits(p[0], p[1], 12) => ($"/255/{WithCheckDigit(p[0] + p[1])}", false),
            _ => (null, false),
        };
        if (@class is null)
        {
            return false;
        }

        match = new EpcMatch(DigitalLinkBase + @class, DigitalLinkBase + @class + (separated ? "/" : ""));
        return true;
    }

    // --- GS1 Digital Link URIs ---

    /// <summary>Primary keys and the key qualifiers that may follow them, in Digital Link order.</summary>
    private static readonly Dictionary<string, string[]> Qualifiers = new()
    {
        ["00"] = [],
        ["01"] = ["22", "10", "21", "235"],
        ["253"] = [],
        ["255"] = [],
        ["401"] = [],
        ["402"] = [],
        ["414"] = ["254", "7040"],
        ["417"] = ["7040"],
        ["8003"] = [],
        ["8004"] = ["7040"],
        ["8006"] = ["22", "10", "21"],
        ["8010"] = ["8011"],
        ["8017"] = ["8019"],
        ["8018"] = ["8019"],
    };

    private static bool TryDigitalLink(string uri, out string link)
    {
        link = "";
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return false;
        }

        // The query string carries data attributes, not identity; the key is the path.
        var segments = parsed.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var start = 0; start + 1 < segments.Length; start++)
        {
            if (!Qualifiers.TryGetValue(segments[start], out var allowed) || (segments.Length - start) % 2 != 0)
            {
                continue;
            }

            var key = segments[start];
            if (PrimaryValue(key, Uri.UnescapeDataString(segments[start + 1])) is not { } value)
            {
                return false;
            }

            var path = new StringBuilder($"/{key}/{value}");
            var seen = -1;
            for (var i = start + 2; i < segments.Length; i += 2)
            {
                var position = Array.IndexOf(allowed, segments[i]);
                var qualifier = Uri.UnescapeDataString(segments[i + 1]);
                if (position <= seen || qualifier.Length == 0)
                {
                    return false;
                }

                seen = position;
                path.Append('/').Append(segments[i]).Append('/').Append(Encode(qualifier));
            }

            link = DigitalLinkBase + path;
            return true;
        }

        return false;
    }

    private static string? PrimaryValue(string ai, string value)
    {
        switch (ai)
        {
            case "01":
                // GTIN-8, -12 and -13 are written as GTIN-14 with leading zeros.
                var gtin = value.Length is 8 or 12 or 13 or 14 ? value.PadLeft(14, '0') : "";
                return IsKeyWithCheckDigit(gtin, 14) ? gtin : null;
            case "8006":
                return value.Length == 18 && IsKeyWithCheckDigit(value[..14], 14) && value[14..].All(char.IsAsciiDigit) ? value : null;
            case "00" or "8017" or "8018":
                return IsKeyWithCheckDigit(value, 18) ? value : null;
            case "414" or "417":
                return IsKeyWithCheckDigit(value, 13) ? value : null;
            case "402":
                return IsKeyWithCheckDigit(value, 17) ? value : null;
            case "8003":
                return value.Length >= 14 && value[0] == '0' && IsKeyWithCheckDigit(value[1..14], 13) ? Encode(value) : null;
            case "253" or "255":
                return value.Length >= 13 && IsKeyWithCheckDigit(value[..13], 13) ? Encode(value) : null;
            case "8004" or "401" or "8010":
                // These start with a company prefix of unknown length: at least its first digits.
                return value.Length > 6 && value[..6].All(char.IsAsciiDigit) ? Encode(value) : null;
            default:
                return null;
        }
    }

    // --- pieces ---

    private static bool CompanyPrefix(string prefix) => prefix.Length is >= 6 and <= 12 && prefix.All(char.IsAsciiDigit);

    private static bool Digits(string companyPrefix, string reference, int length) =>
        CompanyPrefix(companyPrefix) && companyPrefix.Length + reference.Length == length && reference.All(char.IsAsciiDigit);

    private static bool TwoDigits(string field) => field.Length == 2 && field.All(char.IsAsciiDigit);

    /// <summary>GTIN-14 from a company prefix and the indicator digit followed by the item reference.</summary>
    private static string? Gtin(string companyPrefix, string indicatorAndItem) =>
        Digits(companyPrefix, indicatorAndItem, 13) && indicatorAndItem.Length >= 1
            ? WithCheckDigit(indicatorAndItem[..1] + companyPrefix + indicatorAndItem[1..])
            : null;

    private static string? Serial(string field) => Decode(field) is { Length: > 0 } serial ? Encode(serial) : null;

    private static string WithCheckDigit(string data) =>
        data + (char)('0' + ShipmentId.Gs1CheckDigit(data));

    private static bool IsKeyWithCheckDigit(string value, int length) =>
        value.Length == length && value.All(char.IsAsciiDigit) &&
        ShipmentId.Gs1CheckDigit(value.AsSpan(0, length - 1)) == value[length - 1] - '0';

    /// <summary>URN fields escape some characters as %XX; a field that does not decode is not an EPC.</summary>
    private static string? Decode(string field)
    {
        try
        {
            return Uri.UnescapeDataString(field);
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    /// <summary>One spelling for every serial: percent-encode all but the URI's unreserved characters.</summary>
    private static string Encode(string value) => Uri.EscapeDataString(value);
}

/// <summary>
/// What a query value matches among canonical identifiers: <see cref="Exact"/> equal, or starting
/// with <see cref="Prefix"/>. At least one is set.
/// </summary>
public readonly record struct EpcMatch(string? Exact, string? Prefix);
