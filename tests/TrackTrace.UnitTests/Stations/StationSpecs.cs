using TrackTrace.Domain.Stations;
using TrackTrace.UnitTests.Shipments;

namespace TrackTrace.UnitTests.Stations;

/// <summary>A station is named by an id people can read on a label, and may carry its GS1 location number.</summary>
public sealed class StationSpecs
{
    [Theory]
    [InlineData("5412345000013")] // the GLN in GS1's own examples
    [InlineData("0614141000012")]
    public void A_published_gln_is_valid(string gln) => Assert.True(Station.IsValidGln(gln));

    [Theory]
    [InlineData("400638100000")]
    [InlineData("000000000000")]
    [InlineData("999999999999")]
    public void A_gln_with_the_check_digit_the_gs1_rule_gives_is_valid(string location) =>
        Assert.True(Station.IsValidGln(location + ShipmentIdSpecs.CheckDigitByTheGs1Table(location)));

    [Theory]
    [InlineData("5412345000010")]
    [InlineData("5412345000019")]
    [InlineData("5412345000031")] // two digits swapped
    public void A_gln_with_a_wrong_check_digit_is_invalid(string gln) => Assert.False(Station.IsValidGln(gln));

    [Theory]
    [InlineData("541234500001")] // 12 digits
    [InlineData("54123450000135")] // 14 digits
    [InlineData("106141411234567897")] // an SSCC, not a location
    [InlineData("")]
    [InlineData("54123450000A3")]
    [InlineData("541234500001 ")]
    public void A_gln_that_is_not_thirteen_digits_is_invalid(string gln) => Assert.False(Station.IsValidGln(gln));

    [Theory]
    [InlineData("NLRTM-CUSTOMS-EXP")]
    [InlineData("T1")] // shortest: 2 characters
    [InlineData("4006381000000")] // a GLN is a fine id too
    [InlineData("DC_7.DOCK-3")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01")] // longest: 64 characters
    public void A_station_id_of_upper_case_letters_digits_dots_underscores_and_dashes_is_accepted(string id) =>
        Assert.Matches(Station.IdPattern(), id);

    [Theory]
    [InlineData("T")] // too short
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ012")] // 65 characters
    [InlineData("nlrtm-customs-exp")] // lower case
    [InlineData("-NLRTM")] // starts with a dash
    [InlineData("_NLRTM")]
    [InlineData("NLRTM CUSTOMS")]
    [InlineData("NLRTM/CUSTOMS")]
    [InlineData("NLRTM-CUSTOMS\n")] // a trailing line break is a character too
    public void A_station_id_outside_the_pattern_is_refused(string id) =>
        Assert.DoesNotMatch(Station.IdPattern(), id);

    [Fact]
    public void A_station_is_stored_under_its_stream_key()
    {
        var station = Station.Registered(new StationRegistered("NLRTM-CUSTOMS-EXP", "customs", "Rotterdam export customs",
            "5412345000013", "ADMIN-1", new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero)));

        Assert.Equal(("station-NLRTM-CUSTOMS-EXP", "NLRTM-CUSTOMS-EXP", "customs", "5412345000013"),
            (station.Id, station.StationId, station.Type, station.Gln));
    }
}
