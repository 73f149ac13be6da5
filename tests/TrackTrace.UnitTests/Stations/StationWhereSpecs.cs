using System.Net;
using TrackTrace.Domain.Stations;

namespace TrackTrace.UnitTests.Stations;

/// <summary>A station may say where it is (coordinates) and which networks its scanners use (CIDRs); both are checked.</summary>
public sealed class StationWhereSpecs
{
    [Theory]
    [InlineData(51.95, 4.14)]
    [InlineData(-90.0, -180.0)]
    [InlineData(90.0, 180.0)]
    public void Coordinates_within_the_globe_are_accepted(double latitude, double longitude)
    {
        Assert.Empty(GeoPosition.Problems(latitude, longitude));
        Assert.Equal(new GeoPosition(latitude, longitude), GeoPosition.From(latitude, longitude));
    }

    [Theory]
    [InlineData(90.01, 4.0, "latitude")]
    [InlineData(-91.0, 4.0, "latitude")]
    [InlineData(51.0, 180.5, "longitude")]
    [InlineData(double.NaN, 4.0, "latitude")]
    [InlineData(51.0, double.PositiveInfinity, "longitude")]
    [InlineData(51.0, null, "longitude")]
    [InlineData(null, 4.0, "latitude")]
    public void Coordinates_off_the_globe_or_half_given_name_the_field(double? latitude, double? longitude, string field)
    {
        var problems = GeoPosition.Problems(latitude, longitude);

        Assert.Contains(field, problems.Keys);
        Assert.Contains("degrees", problems[field][0]);
    }

    [Fact]
    public void No_coordinates_at_all_are_no_position() =>
        Assert.Null(GeoPosition.From(null, null));

    [Fact]
    public void Networks_are_cidrs_or_single_addresses_kept_in_canonical_form()
    {
        string[] given = ["10.20.0.0/16", "192.0.2.7", "2001:DB8:7::/48", "10.20.0.0/16"];

        Assert.Empty(IpNetworks.Problems(given));
        Assert.Equal(["10.20.0.0/16", "192.0.2.7/32", "2001:db8:7::/48"], IpNetworks.Normalize(given));
    }

    [Theory]
    [InlineData("10.20.0.1/16")] // bits past the prefix: a typo that would mean something else
    [InlineData("10.20.0.0/33")]
    [InlineData("10.20/16")]
    [InlineData("10")]
    [InlineData("example.com")]
    [InlineData(" 10.0.0.0/8")]
    [InlineData("fe80::1%eth0")]
    [InlineData("")]
    public void Anything_else_is_refused_naming_the_entry(string network)
    {
        var problem = Assert.Single(IpNetworks.Problems(["10.0.0.0/8", network]));

        Assert.StartsWith($"[1] '{network}'", problem);
    }

    [Fact]
    public void At_most_64_networks() =>
        Assert.Contains($"at most {IpNetworks.MaxCount} networks",
            IpNetworks.Problems(Enumerable.Range(0, 65).Select(i => $"10.{i}.0.0/16").ToArray()));

    [Theory]
    [InlineData("10.20.3.4", true)]
    [InlineData("::ffff:10.20.3.4", true)]
    [InlineData("10.21.3.4", false)]
    [InlineData("2001:db8:7:1::5", true)]
    [InlineData("2001:db8:8::5", false)]
    public void An_address_is_inside_when_one_network_holds_it(string address, bool inside) =>
        Assert.Equal(inside, IpNetworks.Contains(IpNetworks.Parse(["10.20.0.0/16", "2001:db8:7::/48"]), IPAddress.Parse(address)));
}
