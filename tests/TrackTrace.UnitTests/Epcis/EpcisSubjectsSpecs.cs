using TrackTrace.Domain.Epcis;

namespace TrackTrace.UnitTests.Epcis;

/// <summary>What a captured event is about, in TrackTrace's terms: which shipment, which station, what temperature.</summary>
public sealed class EpcisSubjectsSpecs
{
    [Theory]
    [InlineData("urn:epc:id:sscc:4012345.0000000333", "040123450000003338")]
    [InlineData("https://id.gs1.org/00/040123450000003338", "040123450000003338")]
    [InlineData("urn:tracktrace:shipment:ACME-PO-4711", "ACME-PO-4711")]
    public void An_sscc_in_either_spelling_or_our_urn_names_a_shipment(string epc, string shipment) =>
        Assert.Equal(shipment, EpcisSubjects.ShipmentIdOf(EpcIdentifier.Canonical(epc)));

    [Theory]
    [InlineData("urn:epc:id:sgtin:0614141.107346.2018")]
    [InlineData("urn:tracktrace:shipment:not valid")]
    [InlineData("https://id.gs1.org/00/040123450000003339")]
    public void Other_identifiers_name_no_shipment(string epc) => Assert.Null(EpcisSubjects.ShipmentIdOf(EpcIdentifier.Canonical(epc)));

    [Theory]
    [InlineData("urn:epc:id:sgln:4012345.00001.0", null, "4012345000016")]
    [InlineData("urn:epc:id:sgln:4012345.00001.7", null, "4012345000016")]
    [InlineData("https://id.gs1.org/414/4012345000016", null, "4012345000016")]
    [InlineData("urn:tracktrace:station:NLRTM-PORT", "NLRTM-PORT", null)]
    public void A_location_names_a_station_by_gln_whatever_its_extension_or_by_our_urn(string location, string? id, string? gln) =>
        Assert.Equal(new StationReference(id, gln), EpcisSubjects.StationOf(EpcIdentifier.Canonical(location)));

    [Theory]
    [InlineData("Temperature", 41.0, null, null, "FAH", 5.0)]
    [InlineData("Temperature", 278.15, null, null, "KEL", 5.0)]
    [InlineData("Temperature", null, 2.0, 12.0, "CEL", 12.0)]
    [InlineData("Temperature", null, -3.0, 6.0, "CEL", -3.0)]
    [InlineData("Humidity", 40.0, null, null, "A93", null)]
    [InlineData("Temperature", 4.0, null, null, "MTR", null)]
    public void A_temperature_report_is_a_reading_in_celsius_and_a_range_by_its_worst_end(
        string type, double? value, double? min, double? max, string uom, double? celsius)
    {
        var report = new SensorReportIndex(0, type, uom, value, min, max, null, null, null, null);

        var reading = EpcisSubjects.CelsiusOf(report, middle: 5);

        Assert.Equal(celsius, reading is { } r ? Math.Round(r, 9) : null);
    }
}
