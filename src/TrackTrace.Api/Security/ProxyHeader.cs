using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TrackTrace.Api.Security;

public enum ProxyHeaderStatus
{
    /// <summary>What arrived so far is a valid beginning: read more.</summary>
    Incomplete,

    /// <summary>A complete header of <see cref="ProxyHeaderResult.Length"/> bytes.</summary>
    Complete,

    /// <summary>Not a PROXY header, or one this service refuses; <see cref="ProxyHeaderResult.Problem"/> says why.</summary>
    Invalid,
}

/// <param name="Source">The client the proxy speaks for; null for LOCAL (v2) and UNKNOWN (v1): the proxy's own connection.</param>
public readonly record struct ProxyHeaderResult(ProxyHeaderStatus Status, int Length, IPEndPoint? Source, string? Problem)
{
    public static readonly ProxyHeaderResult Incomplete = new(ProxyHeaderStatus.Incomplete, 0, null, null);

    public static ProxyHeaderResult Invalid(string problem) => new(ProxyHeaderStatus.Invalid, 0, null, problem);
}

/// <summary>
/// The PROXY protocol header a TCP load balancer puts in front of a connection to say whose it is
/// (HAProxy's specification, versions 1 and 2), read strictly from the first bytes: v2's 12-byte
/// signature, version 2, command LOCAL or PROXY, TCP over IPv4 or IPv6, an address block of at most
/// <see cref="MaxV2Length"/> bytes (TLVs after the addresses are skipped); v1's one line
/// <c>PROXY TCP4|TCP6|UNKNOWN ...\r\n</c> of at most 107 bytes, canonical addresses, decimal ports.
/// </summary>
public static class ProxyHeader
{
    public const int MaxV1Length = 107;
    public const int V2FixedLength = 16;

    /// <summary>The v2 address block and TLVs: IPv6 addresses take 36 bytes; what a balancer adds after them stays far below.</summary>
    public const int MaxV2Length = 512;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>Whether a connection starting with this byte may carry a PROXY header (a TLS record starts with 0x14-0x17).</summary>
    public static bool MayStart(byte first) => first == V1Prefix[0] || first == V2Signature[0];

    public static ProxyHeaderResult Read(ReadOnlySequence<byte> input)
    {
        if (input.IsEmpty)
        {
            return ProxyHeaderResult.Incomplete;
        }

        var first = input.FirstSpan[0];
        return first == V1Prefix[0] ? ReadV1(input)
            : first == V2Signature[0] ? ReadV2(input)
            : ProxyHeaderResult.Invalid("the connection does not start with a PROXY protocol header");
    }

    private static ProxyHeaderResult ReadV1(ReadOnlySequence<byte> input)
    {
        Span<byte> head = stackalloc byte[MaxV1Length];
        var length = (int)Math.Min(input.Length, MaxV1Length);
        input.Slice(0, length).CopyTo(head);
        head = head[..length];

        var prefix = Math.Min(length, V1Prefix.Length);
        if (!head[..prefix].SequenceEqual(V1Prefix[..prefix]))
        {
            return ProxyHeaderResult.Invalid("not a PROXY v1 header");
        }

        var end = head.IndexOf("\r\n"u8);
        if (end < 0)
        {
            if (length == MaxV1Length)
            {
                return ProxyHeaderResult.Invalid($"a PROXY v1 line ends with CRLF within {MaxV1Length} bytes");
            }

            // Anything but printable ASCII, apart from a last CR whose LF is still to come, can never make a valid line.
            var control = head.IndexOfAnyInRange((byte)0, (byte)31);
            return (control >= 0 && !(control == length - 1 && head[control] == '\r')) || head.IndexOfAnyInRange((byte)127, (byte)255) >= 0
                ? ProxyHeaderResult.Invalid("a PROXY v1 line holds printable ASCII only")
                : ProxyHeaderResult.Incomplete;
        }

        var line = head[..end];
        if (line.IndexOfAnyInRange((byte)0, (byte)31) >= 0 || line.IndexOfAnyInRange((byte)127, (byte)255) >= 0)
        {
            return ProxyHeaderResult.Invalid("a PROXY v1 line holds printable ASCII only");
        }

        var parts = Encoding.ASCII.GetString(line).Split(' ');
        if (parts is ["PROXY", "UNKNOWN", ..])
        {
            // The proxy could not tell; the spec says to use the connection's own addresses.
            return new ProxyHeaderResult(ProxyHeaderStatus.Complete, end + 2, null, null);
        }

        if (parts is not ["PROXY", "TCP4" or "TCP6", var source, var destination, var sourcePort, var destinationPort])
        {
            return ProxyHeaderResult.Invalid("a PROXY v1 line is 'PROXY TCP4|TCP6 source destination sourcePort destinationPort' or 'PROXY UNKNOWN'");
        }

        var family = parts[1] == "TCP4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (!TryAddress(source, family, out var from) || !TryAddress(destination, family, out _))
        {
            return ProxyHeaderResult.Invalid($"PROXY v1 addresses of {parts[1]} must be {(family == AddressFamily.InterNetwork ? "dotted-quad IPv4" : "IPv6")} addresses");
        }

        if (!TryPort(sourcePort, out var port) || !TryPort(destinationPort, out _))
        {
            return ProxyHeaderResult.Invalid("PROXY v1 ports are decimal numbers 0-65535 without leading zeros");
        }

        return new ProxyHeaderResult(ProxyHeaderStatus.Complete, end + 2, new IPEndPoint(from, port), null);
    }

    private static ProxyHeaderResult ReadV2(ReadOnlySequence<byte> input)
    {
        Span<byte> fixedPart = stackalloc byte[V2FixedLength];
        var length = (int)Math.Min(input.Length, V2FixedLength);
        input.Slice(0, length).CopyTo(fixedPart);
        var signature = Math.Min(length, V2Signature.Length);
        if (!fixedPart[..signature].SequenceEqual(V2Signature[..signature]))
        {
            return ProxyHeaderResult.Invalid("not a PROXY v2 signature");
        }

        if (length < V2FixedLength)
        {
            return ProxyHeaderResult.Incomplete;
        }

        var version = fixedPart[12] >> 4;
        var command = fixedPart[12] & 0x0F;
        var family = fixedPart[13] >> 4;
        var transport = fixedPart[13] & 0x0F;
        var blockLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (version != 2)
        {
            return ProxyHeaderResult.Invalid($"PROXY protocol version {version} is not 2");
        }

        if (command > 1)
        {
            return ProxyHeaderResult.Invalid($"PROXY v2 command {command} is neither LOCAL (0) nor PROXY (1)");
        }

        if (blockLength > MaxV2Length)
        {
            return ProxyHeaderResult.Invalid($"a PROXY v2 address block of {blockLength} bytes is over {MaxV2Length}");
        }

        if (family > 3 || transport > 2)
        {
            return ProxyHeaderResult.Invalid($"PROXY v2 family {family} or transport {transport} is not defined");
        }

        var total = V2FixedLength + blockLength;
        if (input.Length < total)
        {
            return ProxyHeaderResult.Incomplete;
        }

        // LOCAL: the balancer's own connection (a health check); UNSPEC or UNIX: no address to take.
        if (command == 0 || family is 0 or 3)
        {
            return new ProxyHeaderResult(ProxyHeaderStatus.Complete, total, null, null);
        }

        if (transport != 1)
        {
            return ProxyHeaderResult.Invalid("PROXY v2 transport must be STREAM (TCP) for this service");
        }

        var addressLength = family == 1 ? 4 : 16;
        if (blockLength < 2 * addressLength + 4)
        {
            return ProxyHeaderResult.Invalid($"a PROXY v2 {(family == 1 ? "IPv4" : "IPv6")} address block needs {2 * addressLength + 4} bytes, not {blockLength}");
        }

        Span<byte> block = stackalloc byte[2 * addressLength + 4];
        input.Slice(V2FixedLength, block.Length).CopyTo(block);
        var address = new IPAddress(block[..addressLength]);
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[(2 * addressLength)..]);
        return new ProxyHeaderResult(ProxyHeaderStatus.Complete, total, new IPEndPoint(address, sourcePort), null);
    }

    private static bool TryAddress(string text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        if (family == AddressFamily.InterNetwork)
        {
            // Only the canonical dotted quad: inet_aton's other forms ("10.1", "012.1.1.1") are refused.
            return text.Count(c => c == '.') == 3 && text.All(c => char.IsAsciiDigit(c) || c == '.') &&
                   IPAddress.TryParse(text, out address!) && address.AddressFamily == family && address.ToString() == text;
        }

        return text.Length <= 45 && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.') &&
               IPAddress.TryParse(text, out address!) && address.AddressFamily == family;
    }

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is >= 1 and <= 5 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0') &&
               int.TryParse(text, out port) && port <= 65535;
    }
}
