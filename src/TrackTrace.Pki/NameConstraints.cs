using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace TrackTrace.Pki;

/// <summary>
/// The NameConstraints extension (RFC 5280, 4.2.1.10) with DNS permittedSubtrees, which the BCL
/// has no builder for. A dNSName subtree "devices.example.com" permits that name and every name
/// under it.
/// </summary>
public static partial class NameConstraints
{
    public const string Oid = "2.5.29.30";

    private static readonly Asn1Tag PermittedSubtrees = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag DnsName = new(TagClass.ContextSpecific, 2);

    /// <summary>A host name of LDH labels (no wildcard, no leading dot, at most 253 characters).</summary>
    public static bool IsDnsSubtree(string? name) => name is { Length: > 0 and <= 253 } && DnsSubtree().IsMatch(name);

    /// <summary>The critical extension permitting exactly these DNS subtrees.</summary>
    public static X509Extension PermittingDns(IReadOnlyCollection<string> dnsNames)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        if (dnsNames.Count == 0)
        {
            throw new ArgumentException("a NameConstraints extension needs at least one subtree", nameof(dnsNames));
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(PermittedSubtrees))
            {
                foreach (var name in dnsNames)
                {
                    if (!IsDnsSubtree(name))
                    {
                        throw new ArgumentException($"'{name}' is not a DNS name a name constraint can hold", nameof(dnsNames));
                    }

                    // GeneralSubtree ::= SEQUENCE { base GeneralName, minimum DEFAULT 0, maximum absent }
                    using (writer.PushSequence())
                    {
                        writer.WriteCharacterString(UniversalTagNumber.IA5String, name.ToLowerInvariant(), DnsName);
                    }
                }
            }
        }

        // RFC 5280: conforming CAs MUST mark this extension critical.
        return new X509Extension(Oid, writer.Encode(), critical: true);
    }

    /// <summary>The permitted DNS subtrees of <paramref name="certificate"/>; empty when it has no NameConstraints.</summary>
    public static IReadOnlyList<string> PermittedDnsNames(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[Oid];
        if (extension is null)
        {
            return [];
        }

        var names = new List<string>();
        var constraints = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        if (constraints.HasData && constraints.PeekTag().HasSameClassAndValue(PermittedSubtrees))
        {
            var subtrees = constraints.ReadSequence(PermittedSubtrees);
            while (subtrees.HasData)
            {
                var subtree = subtrees.ReadSequence();
                if (subtree.PeekTag().HasSameClassAndValue(DnsName))
                {
                    names.Add(subtree.ReadCharacterString(UniversalTagNumber.IA5String, DnsName));
                }
                else
                {
                    subtree.ReadEncodedValue();
                }
            }
        }

        return names;
    }

    [GeneratedRegex(@"^(?=.{1,253}\z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubtree();
}
