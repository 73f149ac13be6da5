using TrackTrace.Domain.Epcis;

namespace TrackTrace.UnitTests.Epcis;

public sealed class EventQuerySpecs
{
    private static EventQuery Parse(params (string Name, string Value)[] parameters)
    {
        var query = EventQueryParser.Parse(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)), 1000, out var errors);
        Assert.True(query is not null, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
        return query!;
    }

    private static Dictionary<string, string[]> Errors(params (string Name, string Value)[] parameters)
    {
        var query = EventQueryParser.Parse(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)), 1000, out var errors);
        Assert.Null(query);
        return errors;
    }

    [Fact]
    public void No_parameters_is_every_event_newest_first_thirty_a_page()
    {
        var query = Parse();

        Assert.Equal((EventOrder.EventTime, true, 30), (query.OrderBy, query.Descending, query.PerPage));
    }

    [Fact]
    public void Pipes_separate_values_and_CBV_spellings_become_bare_words()
    {
        var query = Parse(("EQ_bizStep", "shipping|urn:epcglobal:cbv:bizstep:receiving|https://ref.gs1.org/cbv/BizStep-arriving"));

        Assert.Equal(["shipping", "receiving", "arriving"], query.BizSteps);
    }

    [Fact]
    public void Locations_and_EPCs_in_either_spelling_are_searched_in_canonical_form()
    {
        var query = Parse(("EQ_bizLocation", "urn:epc:id:sgln:0614141.00777.0"), ("MATCH_anyEPC", "urn:epc:id:sscc:4012345.0000000333"));

        Assert.Equal(["https://id.gs1.org/414/0614141007776"], query.BizLocations);
        var condition = Assert.Single(query.Epcs);
        Assert.Equal([new EpcMatch("https://id.gs1.org/00/040123450000003338", null)], condition.Values);
        Assert.Equal([EpcRole.Epc, EpcRole.Child, EpcRole.Parent, EpcRole.Input, EpcRole.Output], condition.Roles);
    }

    [Fact]
    public void Sensor_comparisons_carry_their_unit_when_the_name_has_one()
    {
        var query = Parse(("EQ_type", "gs1:Temperature"), ("GT_maxValue_CEL", "8"), ("LT_minValue", "2.5"), ("EQ_uom", "CEL|FAH"));

        Assert.Equal(["Temperature"], query.Sensor.Types);
        Assert.Equal(["CEL", "FAH"], query.Sensor.Uoms);
        Assert.Equal(
            [
                new SensorComparison("GT_maxValue_CEL", "maxValue", Comparison.GreaterThan, 8, "CEL"),
                new SensorComparison("LT_minValue", "minValue", Comparison.LessThan, 2.5, null),
            ],
            query.Sensor.Comparisons);
    }

    [Fact]
    public void Times_need_an_offset()
    {
        var query = Parse(("GE_eventTime", "2026-11-30T07:00:00+01:00"), ("LT_eventTime", "2026-12-01T00:00:00.5Z"));

        Assert.Equal(DateTimeOffset.Parse("2026-11-30T06:00:00Z"), query.GeEventTime);
        Assert.Contains("GE_recordTime", Errors(("GE_recordTime", "2026-11-30T07:00:00")).Keys);
    }

    [Fact]
    public void Each_bad_parameter_is_named_with_what_is_accepted()
    {
        // The two bad named-query bodies of the openepcis corpus, as query parameters.
        var errors = Errors(("eventType", "ObjectEvent"), ("GE_eventTime", "not-a-date"), ("EQ_action", "SHIPPED"),
            ("orderDirection", "SIDEWAYS"), ("GE_eventDate", "2026-01-01T00:00:00+01:00"));

        Assert.Equal(["EQ_action", "GE_eventDate", "GE_eventTime", "orderDirection"], errors.Keys.Order());
        Assert.Contains("OBSERVE, ADD, DELETE", errors["EQ_action"][0]);
        Assert.Contains("ASC or DESC", errors["orderDirection"][0]);
        Assert.Contains("unknown query parameter", errors["GE_eventDate"][0]);
    }

    [Theory]
    [InlineData("perPage", "0")]
    [InlineData("perPage", "1001")]
    [InlineData("perPage", "ten")]
    [InlineData("nextPageToken", "not-a-token")]
    [InlineData("MATCH_epc", "4012345.0000000333")]
    [InlineData("EQ_bizStep", "Not A Step")]
    [InlineData("EQ_uom", "celsius")]
    [InlineData("GT_maxValue_CEL", "warm")]
    [InlineData("orderBy", "bizStep")]
    [InlineData("EXISTS_errorDeclaration", "maybe")]
    [InlineData("WD_bizLocation", "urn:epc:id:sgln:0614141.00777.0")]
    [InlineData("eventType", "ObjectEventInvalid")]
    public void Values_that_cannot_be_evaluated_are_refused(string name, string value) =>
        Assert.Contains(name, Errors((name, value)).Keys);

    [Fact]
    public void A_parameter_given_twice_is_refused_rather_than_half_used() =>
        Assert.Contains("EQ_bizStep", Errors(("EQ_bizStep", "shipping"), ("EQ_bizStep", "receiving")).Keys);

    [Fact]
    public void A_page_token_round_trips()
    {
        var cursor = new PageCursor(DateTimeOffset.Parse("2026-11-30T06:00:00.1234567Z"), 42);

        Assert.Equal(cursor, Parse(("nextPageToken", cursor.Encode())).After);
    }

    [Fact]
    public void Temperatures_convert_between_units()
    {
        Assert.Equal(281.15, UnitOfMeasure.ConvertTemperature(8, UnitOfMeasure.Celsius, UnitOfMeasure.Kelvin), 9);
        Assert.Equal(46.4, UnitOfMeasure.ConvertTemperature(8, UnitOfMeasure.Celsius, UnitOfMeasure.Fahrenheit), 9);
        Assert.Equal(8, UnitOfMeasure.ConvertTemperature(46.4, UnitOfMeasure.Fahrenheit, UnitOfMeasure.Celsius), 9);
    }
}
