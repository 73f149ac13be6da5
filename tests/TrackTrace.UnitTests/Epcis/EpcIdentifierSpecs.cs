using TrackTrace.Domain.Epcis;

namespace TrackTrace.UnitTests.Epcis;

/// <summary>EPC URNs and GS1 Digital Links of one key are one canonical identifier (GS1 TDS 2.x examples).</summary>
public sealed class EpcIdentifierSpecs
{
    [Theory]
    // SSCC: company prefix, extension digit, serial reference; the Digital Link adds the check digit.
    [InlineData("urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338")]
    [InlineData("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908")]
    // SGLN: extension "0" means no extension; any other is AI 254.
    [InlineData("urn:epc:id:sgln:0614141.00777.0", "https://id.gs1.org/414/0614141007776")]
    [InlineData("urn:epc:id:sgln:0012345.11111.400", "https://id.gs1.org/414/0012345111112/254/400")]
    [InlineData("urn:epc:id:sgln:4012345.00011.987", "https://id.gs1.org/414/4012345000115/254/987")]
    // SGTIN: the indicator digit moves in front of the company prefix.
    [InlineData("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017")]
    [InlineData("urn:epc:id:sgtin:4012345.012345.12", "https://id.gs1.org/01/04012345123456/21/12")]
    [InlineData("urn:epc:id:sgtin:0614141.107346.A%2FB", "https://id.gs1.org/01/10614141073464/21/A%2FB")]
    // LGTIN (a lot of a GTIN) is AI 10.
    [InlineData("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877")]
    [InlineData("urn:epc:idpat:sgtin:4054739.099914.*", "https://id.gs1.org/01/04054739999148")]
    // Returnable and individual assets, service relations, documents, coupons, parties, shipments.
    [InlineData("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400")]
    [InlineData("urn:epc:id:grai:4012345.66666.87", "https://id.gs1.org/8003/0401234566666387")]
    [InlineData("urn:epc:id:giai:0614141.12345400", "https://id.gs1.org/8004/061414112345400")]
    [InlineData("urn:epc:id:giai:4012345.AAbb", "https://id.gs1.org/8004/4012345AAbb")]
    [InlineData("urn:epc:id:gsrn:0614141.1234567890", "https://id.gs1.org/8018/061414112345678902")]
    [InlineData("urn:epc:id:gsrn:4012345.9876540000", "https://id.gs1.org/8018/401234598765400000")]
    [InlineData("urn:epc:id:gsrnp:4012345.0000098765", "https://id.gs1.org/8017/401234500000987658")]
    [InlineData("urn:epc:id:gdti:4012345.55555.98", "https://id.gs1.org/253/401234555555498")]
    [InlineData("urn:epc:id:sgcn:4012345.99999.44", "https://id.gs1.org/255/401234599999044")]
    [InlineData("urn:epc:id:pgln:0614141.00000", "https://id.gs1.org/417/0614141000005")]
    [InlineData("urn:epc:id:gsin:4012345.999987654", "https://id.gs1.org/402/40123459999876541")]
    [InlineData("urn:epc:id:ginc:4012345.333", "https://id.gs1.org/401/4012345333")]
    [InlineData("urn:epc:id:cpi:4012345.ABC.123", "https://id.gs1.org/8010/4012345ABC/8011/123")]
    [InlineData("urn:epc:id:itip:4012345.012345.01.02.999", "https://id.gs1.org/8006/040123451234560102/21/999")]
    [InlineData("urn:epc:id:upui:4012345.012345.AB12", "https://id.gs1.org/01/04012345123456/235/AB12")]
    public void An_EPC_URN_is_the_Digital_Link_of_the_same_key(string urn, string digitalLink)
    {
        Assert.Equal(digitalLink, EpcIdentifier.Canonical(urn));
        Assert.Equal(digitalLink, EpcIdentifier.Canonical(digitalLink));
    }

    [Theory]
    // Any resolver host, short GTINs padded to 14 digits, data attributes in the query left out.
    [InlineData("https://example.com/01/10614141073464/21/2017", "https://id.gs1.org/01/10614141073464/21/2017")]
    [InlineData("https://id.example.org/shop/01/10614141073464/21/2017", "https://id.gs1.org/01/10614141073464/21/2017")]
    [InlineData("https://id.gs1.org/01/614141073467/21/2017", "https://id.gs1.org/01/00614141073467/21/2017")]
    [InlineData("https://id.gs1.org/01/12345670", "https://id.gs1.org/01/00000012345670")]
    [InlineData("https://id.gs1.org/01/04012345123456/10/998877?17=261231", "https://id.gs1.org/01/04012345123456/10/998877")]
    [InlineData("http://id.gs1.org/00/040123450000003338", "https://id.gs1.org/00/040123450000003338")]
    [InlineData("https://id.gs1.org/414/0012345111112/254/400", "https://id.gs1.org/414/0012345111112/254/400")]
    [InlineData("https://id.gs1.org/01/10614141073464/21/A%2fB", "https://id.gs1.org/01/10614141073464/21/A%2FB")]
    public void Digital_Links_are_brought_to_one_spelling(string link, string canonical) =>
        Assert.Equal(canonical, EpcIdentifier.Canonical(link));

    [Theory]
    [InlineData("urn:uuid:6f1e2b1a-7b7e-4bd0-9b1e-3a8b4f1f0c42")]
    [InlineData("https://example.com/products/123")]
    [InlineData("https://id.gs1.org/00/040123450000003339")] // wrong check digit
    [InlineData("https://id.gs1.org/01/10614141073464/21")] // serial missing
    [InlineData("urn:epc:id:sscc:4012345.00000003")] // 16 digits, not 17
    [InlineData("urn:epc:id:sgtin:0614141.10734X.1")]
    [InlineData("urn:epc:id:unknown:1.2.3")]
    [InlineData("urn:tracktrace:station:NLRTM-PORT")]
    public void Anything_else_is_its_own_canonical_form(string uri)
    {
        Assert.Equal(uri, EpcIdentifier.Canonical(uri));
        Assert.False(EpcIdentifier.IsGs1Key(uri));
    }

    [Fact]
    public void Qualifiers_out_of_order_are_not_a_Digital_Link()
    {
        const string reversed = "https://id.gs1.org/01/10614141073464/21/2/10/1";
        Assert.Equal(reversed, EpcIdentifier.Canonical(reversed));
        Assert.False(EpcIdentifier.IsGs1Key(reversed));
    }

    [Fact]
    public void The_URN_scheme_prefix_is_not_case_sensitive() =>
        Assert.Equal("https://id.gs1.org/00/040123450000003338", EpcIdentifier.Canonical("URN:EPC:ID:SSCC:4012345.0000000333"));

    [Fact]
    public void An_SGTIN_pattern_matches_its_GTIN_and_every_serial_and_lot_of_it()
    {
        var match = EpcIdentifier.Match("urn:epc:idpat:sgtin:0614141.107346.*");

        Assert.Equal("https://id.gs1.org/01/10614141073464", match.Exact);
        Assert.Equal("https://id.gs1.org/01/10614141073464/", match.Prefix);
    }

    [Fact]
    public void A_GRAI_pattern_matches_the_asset_type_with_any_serial_appended()
    {
        var match = EpcIdentifier.Match("urn:epc:idpat:grai:4012345.66666.*");

        Assert.Equal("https://id.gs1.org/8003/04012345666663", match.Prefix);
    }

    [Fact]
    public void A_plain_identifier_matches_itself_in_canonical_form()
    {
        var match = EpcIdentifier.Match("https://id.gs1.org/00/040123450000003338");

        Assert.Equal(new EpcMatch("https://id.gs1.org/00/040123450000003338", null), match);
        Assert.Equal(match, EpcIdentifier.Match("urn:epc:id:sscc:4012345.0000000333"));
    }

    [Theory]
    [InlineData("0614141007776", "https://id.gs1.org/414/0614141007776")]
    [InlineData("0614141007777", null)]
    [InlineData("061414100777", null)]
    public void A_GLN_is_a_location_only_with_its_check_digit(string gln, string? link) =>
        Assert.Equal(link, EpcIdentifier.GlnToDigitalLink(gln));
}
