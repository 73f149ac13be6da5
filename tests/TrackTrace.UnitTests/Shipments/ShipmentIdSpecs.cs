using TrackTrace.Domain.Shipments;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// A shipment id is an SSCC-18 whose check digit is right, or an operator reference; a mistyped
/// SSCC is refused with the digit it should have had.
/// </summary>
public sealed class ShipmentIdSpecs
{
    [Fact]
    public void The_sscc_in_the_gs1_general_specifications_is_accepted()
    {
        // (00) 1 0614141 123456789 7: extension 1, GS1 company prefix 0614141, serial, check digit 7.
        Assert.Equal(7, CheckDigitByTheGs1Table("10614141123456789"));
        Assert.True(ShipmentId.IsValid("106141411234567897", out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("34012345000000001")]
    [InlineData("00000000000000000")]
    [InlineData("99999999999999999")]
    [InlineData("05412345678901234")]
    public void An_sscc_with_the_check_digit_the_gs1_rule_gives_is_accepted(string serial)
    {
        var sscc = serial + CheckDigitByTheGs1Table(serial);

        Assert.True(ShipmentId.IsValid(sscc, out var problem), problem);
    }

    [Theory]
    [InlineData("106141411234567890")]
    [InlineData("106141411234567898")]
    [InlineData("106141411234567879")] // two digits swapped
    public void An_sscc_with_a_wrong_check_digit_is_refused_naming_the_right_one(string sscc)
    {
        var expected = CheckDigitByTheGs1Table(sscc[..17]);

        Assert.False(ShipmentId.IsValid(sscc, out var problem));
        Assert.Equal($"'{sscc}' looks like an SSCC-18 but its check digit is wrong (expected {expected})", problem);
    }

    [Theory]
    [InlineData("ACME-PO-4711")]
    [InlineData("PO1")]
    [InlineData("1ST.SHIPMENT_2025")]
    [InlineData("12345678901234567")] // 17 digits is not an SSCC: a plain reference
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._X")] // 40 characters
    public void A_reference_of_upper_case_letters_digits_dots_underscores_and_dashes_is_accepted(string reference)
    {
        Assert.True(ShipmentId.IsValid(reference, out var problem), problem);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("acme-po-4711")] // lower case
    [InlineData("Acme-PO-4711")]
    [InlineData("PO")] // too short
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._XY")] // 41 characters
    [InlineData("-ACME-4711")] // starts with a dash
    [InlineData(".ACME")]
    [InlineData("ACME PO 4711")]
    [InlineData("ACME/4711")]
    [InlineData("ACME-4711?")]
    [InlineData("ÄCME-4711")]
    [InlineData("ACME-4711\n")] // a trailing line break is a character too
    public void A_reference_outside_the_pattern_is_refused_stating_the_rule(string reference)
    {
        Assert.False(ShipmentId.IsValid(reference, out var problem));
        Assert.Equal($"'{reference}' is not {ShipmentId.Rule}", problem);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_id_is_refused(string? id)
    {
        Assert.False(ShipmentId.IsValid(id, out var problem));
        Assert.Equal("is required", problem);
    }

    /// <summary>
    /// The GS1 table: data digits aligned right in 17 positions, weighted 3, 1, 3, ... from the left;
    /// the check digit takes the sum up to the next multiple of ten.
    /// </summary>
    internal static int CheckDigitByTheGs1Table(string data)
    {
        var aligned = data.PadLeft(17, '0');
        var sum = aligned.Select((digit, position) => (digit - '0') * (position % 2 == 0 ? 3 : 1)).Sum();
        return (10 - sum % 10) % 10;
    }
}
