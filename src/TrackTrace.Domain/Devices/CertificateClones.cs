using System.Net;
using System.Net.Sockets;

namespace TrackTrace.Domain.Devices;

/// <summary>
/// A run of requests with one certificate from one source address, with no gap longer than the clone
/// window between two of them (a longer gap starts a new spell).
/// </summary>
public sealed record AddressSpell(IPAddress Address, DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// When one certificate's use from two addresses means two holders of its key. A device whose address
/// changes (DHCP, roaming) stops using the old one when it starts using the new one: its spells follow
/// each other. A clone and its original both keep working: each address is used again while the
/// other's spell runs, so the spells overlap. That overlap is the rule. Uses before the device was
/// last resumed do not count: an admin's resume after a false positive is not undone by the
/// sightings that caused it.
/// </summary>
public static class CertificateClones
{
    /// <summary>IPv6 hosts change their temporary address within their /64 (RFC 8981) and keep old connections on the old one.</summary>
    public const int Ipv6SourcePrefix = 64;

    public static bool InUseTogether(AddressSpell a, AddressSpell b, DateTimeOffset? watchedFrom)
    {
        if (SameSource(a.Address, b.Address))
        {
            return false;
        }

        var from = watchedFrom ?? DateTimeOffset.MinValue;
        if (a.To < from || b.To < from)
        {
            return false;
        }

        var aFrom = a.From > from ? a.From : from;
        var bFrom = b.From > from ? b.From : from;
        return aFrom <= b.To && bFrom <= a.To;
    }

    /// <summary>Two addresses of one source: equal, the same IPv4 address (mapped or not), or one IPv6 /64.</summary>
    public static bool SameSource(IPAddress a, IPAddress b)
    {
        var x = a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
        var y = b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b;
        if (x.AddressFamily != y.AddressFamily)
        {
            return false;
        }

        return x.AddressFamily == AddressFamily.InterNetworkV6
            ? x.GetAddressBytes().AsSpan(0, Ipv6SourcePrefix / 8).SequenceEqual(y.GetAddressBytes().AsSpan(0, Ipv6SourcePrefix / 8))
            : x.Equals(y);
    }

    /// <summary>The suspension's reason in the audit: the rule and both addresses.</summary>
    public static string Reason(AddressSpell a, AddressSpell b, TimeSpan window) =>
        $"{MonitorRules.CertificateClone}: certificate in use from {a.Address} and {b.Address} at once " +
        $"({a.Address} {a.From:u} to {a.To:u}, {b.Address} {b.From:u} to {b.To:u}, clone window {window:c}); " +
        "two holders of one key are suspected";
}
