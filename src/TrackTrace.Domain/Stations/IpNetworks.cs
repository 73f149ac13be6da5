using System.Net;
using System.Net.Sockets;

namespace TrackTrace.Domain.Stations;

/// <summary>
/// Lists of IP networks (CIDRs): a station's <c>allowedNetworks</c> (a scanner seen outside them
/// raises an alert) and the trusted PROXY protocol senders. An address alone is a network of one.
/// </summary>
public static class IpNetworks
{
    public const int MaxCount = 64;

    public const string Rule =
        "CIDRs such as 10.20.0.0/16 or 2001:db8:7::/48 (an address alone is one host), with no bits set past the prefix; at most 64";

    /// <summary>What is wrong with the list, one line per bad entry; empty when it is acceptable (or absent).</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<string>? networks)
    {
        var problems = new List<string>();
        if (networks is null)
        {
            return problems;
        }

        if (networks.Count > MaxCount)
        {
            problems.Add($"at most {MaxCount} networks");
        }

        for (var i = 0; i < networks.Count; i++)
        {
            if (!TryParse(networks[i], out _))
            {
                problems.Add($"[{i}] '{networks[i]}' is not {Rule}");
            }
        }

        return problems;
    }

    /// <summary>The networks in their canonical form (e.g. <c>10.20.0.0/16</c>, <c>10.1.2.3/32</c>), duplicates removed.</summary>
    public static IReadOnlyList<string> Normalize(IReadOnlyList<string>? networks) =>
        (networks ?? []).Select(n => TryParse(n, out var network) ? network.ToString() : throw new ArgumentException(
            $"'{n}' is not {Rule}", nameof(networks))).Distinct().ToArray();

    public static IReadOnlyList<IPNetwork> Parse(IReadOnlyList<string> networks) =>
        networks.Select(n => TryParse(n, out var network) ? network : throw new ArgumentException($"'{n}' is not {Rule}", nameof(networks)))
            .ToArray();

    /// <summary>Whether the address lies in one of the networks (IPv4 addresses mapped into IPv6 count as IPv4).</summary>
    public static bool Contains(IReadOnlyList<IPNetwork> networks, IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return networks.Any(n => n.Contains(plain));
    }

    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text) || text.Trim() != text || text.Contains('%'))
        {
            return false;
        }

        if (!text.Contains('/'))
        {
            if (!IPAddress.TryParse(text, out var host) || !IsPlainAddress(text, host))
            {
                return false;
            }

            network = new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        // A base address with bits set past the prefix (10.0.0.1/8) is a typo that would otherwise
        // silently mean something else (IPNetwork masks them off).
        var address = text[..text.IndexOf('/')];
        return IPNetwork.TryParse(text, out network) && IPAddress.TryParse(address, out var given) &&
               given.Equals(network.BaseAddress) && IsPlainAddress(address, given);
    }

    // IPAddress.TryParse also reads "10" or "10.1" as IPv4 (inet_aton's forms); a network list means dotted quads.
    private static bool IsPlainAddress(string text, IPAddress parsed) =>
        parsed.AddressFamily == AddressFamily.InterNetworkV6 || (text.Count(c => c == '.') == 3 && text.All(c => char.IsAsciiDigit(c) || c == '.'));
}
