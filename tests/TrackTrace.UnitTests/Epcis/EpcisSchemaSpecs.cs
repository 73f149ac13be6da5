using System.Text.Json;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.UnitTests.Epcis;

public sealed class EpcisSchemaSpecs
{
    [Theory]
    [MemberData(nameof(EpcisDocuments.Valid), MemberType = typeof(EpcisDocuments))]
    public void Valid_documents_pass_GS1s_schema(string name) =>
        Assert.Empty(EpcisSchema.Validate(EpcisDocuments.Parse("valid", name)));

    [Theory]
    [MemberData(nameof(EpcisDocuments.Invalid), MemberType = typeof(EpcisDocuments))]
    public void Invalid_documents_fail_it(string name) =>
        Assert.NotEmpty(EpcisSchema.Validate(EpcisDocuments.Parse("invalid", name)));

    [Theory]
    [InlineData("bizstep-not-cbv.json", "/epcisBody/eventList/1/bizStep")]
    [InlineData("ilmd-without-namespace.json", "/epcisBody/eventList/0/ilmd/bestBefore")]
    [InlineData("event-time-not-rfc3339.json", "/epcisBody/eventList/0/eventTime")]
    [InlineData("quantity-as-text.json", "/epcisBody/eventList/0/quantityList/0/quantity")]
    [InlineData("no-context.json", "")]
    public void The_error_names_the_JSON_pointer_of_what_is_wrong(string name, string pointer)
    {
        var errors = EpcisSchema.Validate(EpcisDocuments.Parse("invalid", name));

        Assert.Contains(errors, e => e.Pointer == pointer);
    }

    [Fact]
    public void Only_format_assertions_catch_a_bizStep_that_is_neither_a_CBV_word_nor_a_URI()
    {
        // "teleporting" passes every keyword of the schema but "format": "uri" of the custom-value branch.
        var errors = EpcisSchema.Validate(EpcisDocuments.Parse("invalid", "bizstep-not-cbv.json"));

        Assert.Contains(errors, e => e.Pointer == "/epcisBody/eventList/1/bizStep" && e.Message.Contains("uri"));
        Assert.DoesNotContain(errors, e => e.Pointer.StartsWith("/epcisBody/eventList/0", StringComparison.Ordinal));
    }

    [Fact]
    public void A_valid_sibling_is_not_blamed_for_an_invalid_one()
    {
        var errors = EpcisSchema.Validate(EpcisDocuments.Parse("invalid", "bizstep-not-cbv.json"));

        Assert.All(errors, e => Assert.StartsWith("/epcisBody/eventList/1", e.Pointer));
    }

    [Fact]
    public void A_single_event_with_its_context_is_validated_as_an_event()
    {
        var e = JsonDocument.Parse("""
            { "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "ObjectEvent",
              "eventTime": "2026-11-30T10:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "SHAKE",
              "epcList": ["urn:epc:id:sscc:4012345.0000000444"] }
            """).RootElement;

        Assert.Contains(EpcisSchema.Validate(e), error => error.Pointer == "/action");
    }

    [Fact]
    public void A_name_given_twice_in_an_event_is_refused_at_its_pointer()
    {
        var document = JsonDocument.Parse("""
            { "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
              "schemaVersion": "2.0", "creationDate": "2026-11-30T06:00:00Z", "epcisBody": { "eventList": [
              { "eventID": "urn:uuid:6f1e2b1a-7b7e-4bd0-9b1e-3a8b4f1f0c42", "type": "ObjectEvent", "eventTime": "2026-11-30T06:00:00Z",
                "eventTimeZoneOffset": "+00:00", "eventID": "urn:uuid:0b5c9b6e-1111-4aaa-8bbb-cccccccccccc", "action": "OBSERVE", "epcList": [] } ] } }
            """).RootElement;

        var error = Assert.Single(EpcisSchema.Validate(document));

        Assert.Equal("/epcisBody/eventList/0/eventID", error.Pointer);
    }
}
