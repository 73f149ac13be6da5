using System.Text.Json.Nodes;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.UnitTests.Epcis;

public sealed class CaptureDocumentSpecs
{
    private static readonly DateTimeOffset RecordedAt = new(2026, 12, 1, 8, 0, 0, 123, TimeSpan.Zero);

    private static CaptureDocument Read(string name, string captureId = "capture-1") =>
        CaptureDocument.Read(EpcisDocuments.Text("valid", name), captureId, RecordedAt);

    [Fact]
    public void Identifiers_are_indexed_in_canonical_form_whatever_their_spelling()
    {
        var journey = Read("reefer-journey.jsonld");

        var departing = journey.Events[0].Indexed;
        var receiving = journey.Events[1].Indexed;
        Assert.Equal([new EpcReference("https://id.gs1.org/00/040123450000003338", EpcRole.Epc)], departing.Epcs);
        Assert.Equal(departing.Epcs, receiving.Epcs);
        Assert.Equal("https://id.gs1.org/414/4012345000115", departing.ReadPoint);
        Assert.Null(departing.BizLocation);
        Assert.Equal("https://id.gs1.org/414/0614141007776", receiving.BizLocation);
        Assert.Equal(receiving.ReadPoint, receiving.BizLocation);
    }

    [Fact]
    public void The_stored_event_is_the_captured_one_with_the_repositorys_record_time()
    {
        var journey = Read("reefer-journey.jsonld");
        var original = JsonNode.Parse(EpcisDocuments.Text("valid", "reefer-journey.jsonld"))!["epcisBody"]!["eventList"]![1]!.AsObject();

        var stored = JsonNode.Parse(journey.Events[1].Body)!.AsObject();

        Assert.Equal("2026-12-01T08:00:00.123Z", stored["recordTime"]!.GetValue<string>());
        stored.Remove("recordTime");
        Assert.True(JsonNode.DeepEquals(original, stored), stored.ToJsonString());
    }

    [Fact]
    public void Sensor_reports_keep_exceptions_and_take_the_metadata_time_and_device_when_they_have_none()
    {
        var reports = Read("reefer-journey.jsonld").Events[1].Indexed.SensorReports;

        Assert.Equal(3, reports.Count);
        Assert.Equal("ALARM_CONDITION", reports[0].Exception);
        Assert.Equal(11.5, reports[0].MaxValue);
        Assert.Null(reports[0].Value);
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T15:39:00Z"), reports[0].Time);
        Assert.Equal("urn:epc:id:giai:4012345.REEFER-1", reports[0].DeviceId);
        Assert.Equal(("KEL", 283.15), (reports[1].Uom, reports[1].Value!.Value));
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T15:38:00Z"), reports[1].Time);
        Assert.Equal(("ERROR_CONDITION", "urn:epc:id:giai:4012345.REEFER-2"), (reports[2].Exception, reports[2].DeviceId));
    }

    [Fact]
    public void Measurement_types_written_as_CURIEs_are_the_bare_type()
    {
        var reports = Read("reefer-journey.jsonld").Events[0].Indexed.SensorReports;

        Assert.Equal(["Temperature", "RelativeHumidity"], reports.Select(r => r.Type));
    }

    [Fact]
    public void Every_list_of_identifiers_gets_its_role()
    {
        var events = Read("aggregation-and-association.jsonld").Events.Select(e => e.Indexed).ToArray()
            .Concat(Read("transaction-and-transformation.jsonld").Events.Select(e => e.Indexed)).ToArray();

        Assert.Contains(new EpcReference("https://id.gs1.org/00/106141412345678908", EpcRole.Parent), events[0].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/10614141073464/21/2017", EpcRole.Child), events[0].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/04012345123456/10/998877", EpcRole.ChildQuantity), events[0].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/04054739999148", EpcRole.ChildQuantity), events[0].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/8003/00614141123452400", EpcRole.Parent), events[1].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/00/106141412345678908", EpcRole.Parent), events[2].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/04012345123456/10/998877", EpcRole.Quantity), events[2].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/04012345123456/21/12", EpcRole.Input), events[3].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/04012345123456/10/998877", EpcRole.InputQuantity), events[3].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/10614141073464/21/3001", EpcRole.Output), events[3].Epcs);
        Assert.Contains(new EpcReference("https://id.gs1.org/01/04054739999148", EpcRole.OutputQuantity), events[3].Epcs);
        Assert.Equal(["completeness_verified"], events[3].PersistentSet);
    }

    [Fact]
    public void An_error_declaration_is_a_correction_of_the_event_it_names()
    {
        var events = Read("transaction-and-transformation.jsonld").Events;

        Assert.False(events[0].Indexed.IsCorrection);
        Assert.True(events[2].Indexed.IsCorrection);
        Assert.Equal(events[0].Indexed.EventId, events[2].Indexed.EventId);
        Assert.Equal("incorrect_data", events[2].Indexed.ErrorDeclaration!.Reason);
        Assert.Equal(["urn:uuid:0b5c9b6e-3333-4aaa-8bbb-cccccccccccc"], events[2].Indexed.ErrorDeclaration!.CorrectiveEventIds);
    }

    [Fact]
    public void A_missing_eventID_is_assigned_and_the_same_on_a_second_reading()
    {
        var first = Read("aggregation-and-association.jsonld");
        var again = Read("aggregation-and-association.jsonld");
        var other = Read("aggregation-and-association.jsonld", "capture-2");

        Assert.StartsWith("urn:uuid:", first.Events[0].Indexed.EventId);
        Assert.Equal(first.Events.Select(e => e.Indexed.EventId), again.Events.Select(e => e.Indexed.EventId));
        Assert.NotEqual(first.Events[0].Indexed.EventId, first.Events[1].Indexed.EventId);
        Assert.NotEqual(first.Events[0].Indexed.EventId, other.Events[0].Indexed.EventId);
        Assert.Equal(first.Events[0].Indexed.EventId, JsonNode.Parse(first.Events[0].Body)!["eventID"]!.GetValue<string>());
    }

    [Fact]
    public void The_documents_context_is_kept_only_when_it_says_more_than_the_standard_one()
    {
        Assert.NotNull(Read("reefer-journey.jsonld").Context);
        var plain = CaptureDocument.Read("""
            {"@context":"https://ref.gs1.org/standards/epcis/epcis-context.jsonld","type":"EPCISDocument","schemaVersion":"2.0",
             "creationDate":"2026-11-30T06:00:00Z","epcisBody":{"eventList":[]}}
            """, "c", RecordedAt);
        Assert.Null(plain.Context);
    }

    [Fact]
    public void CBV_values_in_URN_spelling_are_stored_as_the_bare_word()
    {
        var e = JsonNode.Parse("""
            {"type":"ObjectEvent","eventTime":"2026-11-30T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE",
             "epcList":[],"bizStep":"urn:epcglobal:cbv:bizstep:receiving","disposition":"urn:epcglobal:cbv:disp:in_progress"}
            """)!.AsObject();

        var indexed = CaptureDocument.ReadEvent(e, "urn:uuid:1", RecordedAt).Indexed;

        Assert.Equal(("receiving", "in_progress"), (indexed.BizStep, indexed.Disposition));
    }
}
