using System.Buffers;
using System.Net;
using System.Text;
using TrackTrace.Api.Security;

namespace TrackTrace.UnitTests.Security;

/// <summary>
/// The PROXY protocol header as HAProxy's specification writes it, bytes made by hand here (not by
/// the code under test): what is accepted, what is refused, and what waits for more.
/// </summary>
public sealed class ProxyHeaderTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>A v2 header: signature, version/command, family/transport, length, then the block.</summary>
    public static byte[] V2(byte versionCommand, byte familyTransport, byte[] block) =>
        [.. Signature, versionCommand, familyTransport, (byte)(block.Length >> 8), (byte)block.Length, .. block];

    public static byte[] Inet4Block(string source, ushort sourcePort, string destination, ushort destinationPort) =>
        [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];

    private static ProxyHeaderResult Read(byte[] bytes, int splitAt = -1)
    {
        if (splitAt <= 0 || splitAt >= bytes.Length)
        {
            return ProxyHeader.Read(new ReadOnlySequence<byte>(bytes));
        }

        // The header split over two buffers, as TCP may deliver it.
        var first = new Segment(bytes.AsMemory(0, splitAt));
        var last = first.Append(bytes.AsMemory(splitAt));
        return ProxyHeader.Read(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length));
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 56324 8443\r\n", "203.0.113.7", 56324)]
    [InlineData("PROXY TCP6 2001:db8::7 2001:db8::1 56324 8443\r\n", "2001:db8::7", 56324)]
    [InlineData("PROXY TCP4 0.0.0.0 10.0.0.5 0 8443\r\n", "0.0.0.0", 0)]
    public void A_v1_line_gives_the_client_address_and_port_and_its_own_length(string line, string address, int port)
    {
        var bytes = Encoding.ASCII.GetBytes(line + "\x16\x03\x01");
        foreach (var split in new[] { -1, 3, 20 })
        {
            var header = Read(bytes, split);
            Assert.Equal(ProxyHeaderStatus.Complete, header.Status);
            Assert.Equal(line.Length, header.Length);
            Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), header.Source);
        }
    }

    [Fact]
    public void A_v1_unknown_line_keeps_the_proxys_own_address()
    {
        var header = Read(Encoding.ASCII.GetBytes("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"));
        Assert.Equal((ProxyHeaderStatus.Complete, 35), (header.Status, header.Length));
        Assert.Null(header.Source);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 56324 8443\n")] // LF without CR
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 56324\r\n")] // a port missing
    [InlineData("PROXY TCP4  203.0.113.7 10.0.0.5 56324 8443\r\n")] // two spaces
    [InlineData("PROXY TCP4 203.0.113.007 10.0.0.5 56324 8443\r\n")] // not canonical
    [InlineData("PROXY TCP4 10.1 10.0.0.5 56324 8443\r\n")] // inet_aton's short form
    [InlineData("PROXY TCP4 2001:db8::7 10.0.0.5 56324 8443\r\n")] // IPv6 under TCP4
    [InlineData("PROXY TCP6 203.0.113.7 2001:db8::1 56324 8443\r\n")] // IPv4 under TCP6
    [InlineData("PROXY TCP6 fe80::1%eth0 2001:db8::1 56324 8443\r\n")] // a scope id
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 065535 8443\r\n")] // a leading zero
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 65536 8443\r\n")] // past 65535
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 -1 8443\r\n")]
    [InlineData("PROXY UDP4 203.0.113.7 10.0.0.5 56324 8443\r\n")]
    [InlineData("PROXY UNKNOWNX\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 56324 8443 extra\r\n")]
    [InlineData("proxy TCP4 203.0.113.7 10.0.0.5 56324 8443\r\n")]
    [InlineData("PROXYTCP4 203.0.113.7 10.0.0.5 56324 8443\r\n")]
    [InlineData("PROXY TCP4 203.0.113.\u00e97 10.0.0.5 56324 8443\r\n")]
    public void A_v1_line_that_breaks_the_grammar_is_refused(string line)
    {
        var header = Read(Encoding.Latin1.GetBytes(line));
        Assert.Equal(ProxyHeaderStatus.Invalid, header.Status);
        Assert.NotNull(header.Problem);
    }

    [Fact]
    public void A_v1_line_without_crlf_within_107_bytes_is_refused_without_reading_further()
    {
        var longest = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        Assert.Equal(ProxyHeader.MaxV1Length, longest.Length);
        Assert.Equal(ProxyHeaderStatus.Complete, Read(Encoding.ASCII.GetBytes(longest)).Status);

        var oversized = Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200));
        var header = Read(oversized);
        Assert.Equal(ProxyHeaderStatus.Invalid, header.Status);
        Assert.Contains("107", header.Problem);
    }

    [Theory]
    [InlineData("P")]
    [InlineData("PROXY")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.5 56324 8443\r")]
    public void A_v1_line_cut_short_waits_for_more(string start) =>
        Assert.Equal(ProxyHeaderStatus.Incomplete, Read(Encoding.ASCII.GetBytes(start)).Status);

    [Fact]
    public void A_v2_proxy_header_over_ipv4_gives_the_client_and_skips_its_tlvs()
    {
        byte[] tlv = [0x04, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF]; // PP2_TYPE_NOOP with four bytes
        var bytes = V2(0x21, 0x11, [.. Inet4Block("198.51.100.23", 40001, "10.0.0.5", 8443), .. tlv]);
        foreach (var split in new[] { -1, 5, 14, 17 })
        {
            var header = Read([.. bytes, 0x16, 0x03, 0x01], split);
            Assert.Equal(ProxyHeaderStatus.Complete, header.Status);
            Assert.Equal(16 + 12 + tlv.Length, header.Length);
            Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.23"), 40001), header.Source);
        }
    }

    [Fact]
    public void A_v2_proxy_header_over_ipv6_gives_the_client()
    {
        byte[] block =
        [
            .. IPAddress.Parse("2001:db8:7::23").GetAddressBytes(), .. IPAddress.Parse("2001:db8::1").GetAddressBytes(),
            0x9C, 0x41, 0x20, 0xFB,
        ];
        var header = Read(V2(0x21, 0x21, block));
        Assert.Equal((ProxyHeaderStatus.Complete, 52), (header.Status, header.Length));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:7::23"), 40001), header.Source);
    }

    [Theory]
    [InlineData((byte)0x20, (byte)0x00)] // LOCAL, UNSPEC: a balancer's health check
    [InlineData((byte)0x20, (byte)0x11)] // LOCAL with addresses: they are ignored
    [InlineData((byte)0x21, (byte)0x00)] // PROXY, UNSPEC
    [InlineData((byte)0x21, (byte)0x31)] // PROXY, UNIX stream
    public void A_v2_header_without_a_client_address_keeps_the_proxys_own(byte versionCommand, byte familyTransport)
    {
        var block = familyTransport == 0x00 ? [] : Inet4Block("198.51.100.23", 1, "10.0.0.5", 2);
        var header = Read(V2(versionCommand, familyTransport, block));
        Assert.Equal(ProxyHeaderStatus.Complete, header.Status);
        Assert.Null(header.Source);
    }

    [Theory]
    [InlineData((byte)0x11, (byte)0x11, 12)] // version 1 in a v2 header
    [InlineData((byte)0x31, (byte)0x11, 12)] // version 3
    [InlineData((byte)0x22, (byte)0x11, 12)] // command 2
    [InlineData((byte)0x21, (byte)0x12, 12)] // UDP
    [InlineData((byte)0x21, (byte)0x41, 12)] // family 4
    [InlineData((byte)0x21, (byte)0x13, 12)] // transport 3
    [InlineData((byte)0x21, (byte)0x11, 8)] // too short for two IPv4 addresses and ports
    [InlineData((byte)0x21, (byte)0x21, 12)] // too short for IPv6
    public void A_v2_header_this_service_cannot_take_is_refused(byte versionCommand, byte familyTransport, int blockLength)
    {
        var header = Read(V2(versionCommand, familyTransport, new byte[blockLength]));
        Assert.Equal(ProxyHeaderStatus.Invalid, header.Status);
    }

    [Fact]
    public void A_v2_length_over_the_bound_is_refused_before_its_bytes_arrive()
    {
        byte[] start = [.. Signature, 0x21, 0x11, 0xEA, 0x60]; // 60,000 bytes announced, none sent
        var header = Read(start);
        Assert.Equal(ProxyHeaderStatus.Invalid, header.Status);
        Assert.Contains("512", header.Problem);
    }

    [Fact]
    public void A_v2_header_cut_short_waits_for_more()
    {
        var bytes = V2(0x21, 0x11, Inet4Block("198.51.100.23", 40001, "10.0.0.5", 8443));
        foreach (var length in new[] { 1, 11, 12, 15, 16, 27 })
        {
            Assert.Equal(ProxyHeaderStatus.Incomplete, Read(bytes[..length]).Status);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00 })] // a TLS ClientHello
    [InlineData(new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B, 0x21, 0x11, 0, 12 })]
    [InlineData(new byte[] { 0x47, 0x45, 0x54, 0x20 })] // "GET "
    [InlineData(new byte[] { 0x50, 0x4F, 0x53, 0x54 })] // "POST"
    public void Anything_else_is_not_a_header(byte[] bytes) =>
        Assert.Equal(ProxyHeaderStatus.Invalid, Read(bytes).Status);

    [Fact]
    public void A_tls_record_can_never_be_mistaken_for_the_start_of_a_header()
    {
        for (byte type = 0x14; type <= 0x17; type++)
        {
            Assert.False(ProxyHeader.MayStart(type));
        }

        Assert.True(ProxyHeader.MayStart((byte)'P'));
        Assert.True(ProxyHeader.MayStart(0x0D));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
