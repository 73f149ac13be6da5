using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using TrackTrace.Domain.Epcis;
using TrackTrace.IntegrationTests.Infrastructure;
using static TrackTrace.IntegrationTests.Epcis.EpcisService;
using static TrackTrace.IntegrationTests.Infrastructure.ServiceFixture;

namespace TrackTrace.IntegrationTests.Epcis;

/// <summary>EPCIS 2.0 capture and query over mTLS, against the real PostgreSQL.</summary>
public sealed class EpcisCaptureTests(EpcisService setup) : IClassFixture<EpcisService>
{
    /// <summary>The document with new eventIDs (corrections keep pointing at their event), so each test captures its own events.</summary>
    private static (string Text, Dictionary<string, string> EventIds) Fresh(string name, string kind = "valid")
    {
        var text = Document(kind, name);
        var ids = new Dictionary<string, string>();
        foreach (var id in System.Text.RegularExpressions.Regex.Matches(text, "urn:uuid:[0-9a-f-]{36}").Select(m => m.Value).Distinct())
        {
            ids[id] = $"urn:uuid:{Guid.NewGuid()}";
            text = text.Replace(id, ids[id], StringComparison.Ordinal);
        }

        return (text, ids);
    }

    private static JsonArray EventList(JsonNode document) =>
        (document["epcisBody"]!["eventList"] ?? document["epcisBody"]!["queryResults"]!["resultsBody"]!["eventList"])!.AsArray();

    private static string Id(JsonNode e) => e["eventID"]!.GetValue<string>();

    [Fact]
    public async Task Options_announce_the_capture_limits_and_versions()
    {
        var response = await setup.Scanner.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/epcis/capture"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(CaptureLimit.ToString(), response.Headers.GetValues("GS1-EPCIS-Capture-Limit").Single());
        Assert.Equal(FileSizeLimit.ToString(), response.Headers.GetValues("GS1-EPCIS-Capture-File-Size-Limit").Single());
        Assert.Equal("2.0.0", response.Headers.GetValues("GS1-EPCIS-Version").Single());
        Assert.Equal("2.0.0", response.Headers.GetValues("GS1-CBV-Version").Single());
    }

    [Theory]
    [InlineData("reefer-journey.jsonld")]
    [InlineData("aggregation-and-association.jsonld")]
    [InlineData("transaction-and-transformation.jsonld")]
    public async Task Every_field_of_a_captured_document_comes_back_from_a_query(string name)
    {
        var (text, _) = Fresh(name);
        var job = await setup.CaptureAndWaitAsync(text);
        Assert.True(job.GetProperty("success").GetBoolean(), job.GetRawText());
        var captureId = job.GetProperty("captureID").GetString()!;
        var captured = EventList(JsonNode.Parse(text)!);
        var results = job.GetProperty("events").EnumerateArray().ToArray();
        Assert.Equal(captured.Count, results.Length);
        Assert.All(results, r => Assert.Equal("stored", r.GetProperty("outcome").GetString()));

        foreach (var (original, result) in captured.Zip(results))
        {
            var eventId = result.GetProperty("eventID").GetString()!;
            var (answer, _) = await setup.QueryAsync($"/epcis/events?EQ_eventID={Q(eventId)}");
            Assert.Empty(EpcisSchema.Validate(JsonDocument.Parse(answer.ToJsonString()).RootElement));
            var stored = EventList(answer).Select(e => e!.AsObject())
                .Single(e => e["errorDeclaration"] is null == (original!["errorDeclaration"] is null));

            Assert.NotNull(stored["recordTime"]);
            stored.Remove("recordTime");
            var expected = original!.DeepClone().AsObject();
            expected["eventID"] ??= eventId;
            Assert.True(JsonNode.DeepEquals(expected, stored), $"captured:\n{expected}\nanswered:\n{stored}");

            // Every prefix the event uses is defined by the answer's context, as the capture's context defined it.
            var terms = answer["@context"]!.AsArray().OfType<JsonObject>().SelectMany(o => o).ToDictionary(t => t.Key, t => t.Value!.ToJsonString());
            foreach (var definition in JsonNode.Parse(text)!["@context"]!.AsArray().OfType<JsonObject>().SelectMany(o => o))
            {
                Assert.Equal(definition.Value!.ToJsonString(), terms[definition.Key]);
            }
        }

        // Staff read any capture job.
        Assert.Equal(captureId, (await setup.QueryAsync($"/epcis/capture/{captureId}")).Document["captureID"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_URN_and_the_Digital_Link_of_the_same_key_find_each_others_events()
    {
        var (text, ids) = Fresh("reefer-journey.jsonld");
        await setup.CaptureAndWaitAsync(text);
        var departing = ids["urn:uuid:7d1c2a40-0d3b-4f8e-9a51-1b2c3d4e5f60"]; // epcList in URN form
        var receiving = ids["urn:uuid:7d1c2a40-0d3b-4f8e-9a51-1b2c3d4e5f61"]; // epcList as a Digital Link

        foreach (var epc in new[] { "urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338" })
        {
            var found = (await setup.EventsAsync($"/epcis/events?MATCH_anyEPC={Q(epc)}&perPage=1000")).Select(e => Id(e!)).ToArray();
            Assert.Contains(departing, found);
            Assert.Contains(receiving, found);
            var byPath = (await setup.EventsAsync($"/epcis/epcs/{Q(epc)}/events?perPage=1000")).Select(e => Id(e!)).ToArray();
            Assert.Contains(departing, byPath);
            Assert.Contains(receiving, byPath);
        }

        foreach (var location in new[] { "urn:epc:id:sgln:0614141.00777.0", "https://id.gs1.org/414/0614141007776" })
        {
            var found = (await setup.EventsAsync($"/epcis/events?EQ_bizLocation={Q(location)}&perPage=1000")).Select(e => Id(e!));
            Assert.Contains(receiving, found);
        }

        var byGln = (await setup.EventsAsync("/epcis/bizLocations/0614141007776/events?perPage=1000")).Select(e => Id(e!));
        Assert.Contains(receiving, byGln);
        var atReadPoint = (await setup.EventsAsync($"/epcis/events?EQ_readPoint={Q("https://id.gs1.org/414/4012345000115")}&perPage=1000")).Select(e => Id(e!));
        Assert.Contains(departing, atReadPoint);
    }

    [Fact]
    public async Task Sensor_filters_compare_in_the_unit_asked_for_and_keep_exceptions()
    {
        var (text, ids) = Fresh("reefer-journey.jsonld");
        await setup.CaptureAndWaitAsync(text);
        var departing = ids["urn:uuid:7d1c2a40-0d3b-4f8e-9a51-1b2c3d4e5f60"];
        var receiving = ids["urn:uuid:7d1c2a40-0d3b-4f8e-9a51-1b2c3d4e5f61"];

        async Task<string[]> Found(string query) =>
            (await setup.EventsAsync($"/epcis/events?{query}&perPage=1000")).Select(e => Id(e!)).ToArray();

        // 11.5 °C reported as maxValue in CEL; 283.15 K (10 °C) reported as value in KEL.
        var warm = await Found("EQ_type=Temperature&GT_maxValue_CEL=10");
        Assert.Contains(receiving, warm);
        Assert.DoesNotContain(departing, warm);
        Assert.Contains(receiving, await Found("EQ_type=gs1:Temperature&GE_value_CEL=9.99"));
        Assert.Contains(receiving, await Found("GE_value_FAH=49.9&EQ_type=Temperature"));
        Assert.DoesNotContain(receiving, await Found("GE_value_CEL=10.01&EQ_type=Temperature"));
        Assert.Contains(departing, await Found("EQ_type=Temperature&LT_minValue=4&EQ_uom=CEL"));
        Assert.Contains(receiving, await Found("EQ_exception=ALARM_CONDITION"));
        Assert.Contains(departing, await Found("EQ_type=RelativeHumidity&EQ_uom=A93"));

        var stored = (await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(receiving)}"))[0]!;
        var reports = stored["sensorElementList"]![0]!["sensorReport"]!.AsArray();
        Assert.Equal("ALARM_CONDITION", reports[0]!["exception"]!.GetValue<string>());
        Assert.Equal("ERROR_CONDITION", reports[2]!["exception"]!.GetValue<string>());
    }

    [Fact]
    public async Task Persistent_dispositions_and_business_steps_are_query_parameters()
    {
        var (text, ids) = Fresh("reefer-journey.jsonld");
        await setup.CaptureAndWaitAsync(text);
        var receiving = ids["urn:uuid:7d1c2a40-0d3b-4f8e-9a51-1b2c3d4e5f61"];

        Assert.Contains(receiving, (await setup.EventsAsync("/epcis/events?EQ_persistentDisposition_set=non_conformant&perPage=1000")).Select(e => Id(e!)));
        Assert.Contains(receiving, (await setup.EventsAsync("/epcis/events?EQ_bizStep=urn:epcglobal:cbv:bizstep:receiving&perPage=1000")).Select(e => Id(e!)));
        Assert.Contains(receiving, (await setup.EventsAsync("/epcis/bizSteps/receiving/events?perPage=1000")).Select(e => Id(e!)));
        Assert.DoesNotContain(receiving, (await setup.EventsAsync("/epcis/events?EQ_bizStep=departing&perPage=1000")).Select(e => Id(e!)));
    }

    [Theory]
    [InlineData("bizstep-not-cbv.json", "/epcisBody/eventList/1/bizStep")]
    [InlineData("ilmd-without-namespace.json", "/epcisBody/eventList/0/ilmd/bestBefore")]
    [InlineData("event-time-not-rfc3339.json", "/epcisBody/eventList/0/eventTime")]
    [InlineData("no-context.json", "")]
    [InlineData("quantity-as-text.json", "/epcisBody/eventList/0/quantityList/0/quantity")]
    public async Task A_document_that_fails_the_schema_is_400_naming_the_pointer_and_nothing_is_stored(string name, string pointer)
    {
        var jobsBefore = (await Expect(await setup.Scanner.GetAsync("/epcis/capture"), HttpStatusCode.OK)).GetArrayLength();

        var response = await CaptureAsync(setup.Scanner, Document("invalid", name));

        var problem = await Expect(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(pointer, problem.GetProperty("pointer").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(pointer, out _), problem.GetRawText());
        Assert.Equal("ValidationException", problem.GetProperty("epcisException").GetString());
        Assert.Equal(jobsBefore, (await Expect(await setup.Scanner.GetAsync("/epcis/capture"), HttpStatusCode.OK)).GetArrayLength());
    }

    [Fact]
    public async Task Over_the_limits_is_413_with_the_limit_headers_before_anything_is_stored()
    {
        var template = JsonNode.Parse(Document("valid", "aggregation-and-association.jsonld"))!;
        var tooMany = template.DeepClone();
        var list = EventList(tooMany);
        while (list.Count <= CaptureLimit)
        {
            list.Add(list[0]!.DeepClone());
        }

        var overCount = await CaptureAsync(setup.Scanner, tooMany.ToJsonString());
        var tooBig = await CaptureAsync(setup.Scanner, template.ToJsonString() + new string(' ', FileSizeLimit));

        foreach (var response in new[] { overCount, tooBig })
        {
            var problem = await Expect(response, HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("CaptureLimitExceededException", problem.GetProperty("epcisException").GetString());
            Assert.Equal(CaptureLimit.ToString(), response.Headers.GetValues("GS1-EPCIS-Capture-Limit").Single());
            Assert.Equal(FileSizeLimit.ToString(), response.Headers.GetValues("GS1-EPCIS-Capture-File-Size-Limit").Single());
        }
    }

    [Fact]
    public async Task Under_rollback_a_document_with_a_stored_eventID_stores_nothing_and_under_proceed_the_rest()
    {
        var (first, ids) = Fresh("transaction-and-transformation.jsonld");
        Assert.True((await setup.CaptureAndWaitAsync(first)).GetProperty("success").GetBoolean());
        var again = JsonNode.Parse(first)!;
        var fresh = $"urn:uuid:{Guid.NewGuid()}";
        EventList(again)[1]!["eventID"] = fresh; // new; the other two are stored already

        var rolledBack = await setup.CaptureAndWaitAsync(again.ToJsonString());

        Assert.False(rolledBack.GetProperty("success").GetBoolean());
        Assert.Equal("rollback", rolledBack.GetProperty("captureErrorBehaviour").GetString());
        var duplicates = rolledBack.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()).ToArray();
        Assert.Contains(ids["urn:uuid:0b5c9b6e-1111-4aaa-8bbb-cccccccccccc"], duplicates);
        Assert.Empty(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(fresh)}"));

        var proceeded = await setup.CaptureAndWaitAsync(again.ToJsonString(), "proceed");

        Assert.False(proceeded.GetProperty("success").GetBoolean());
        Assert.Equal("proceed", proceeded.GetProperty("captureErrorBehaviour").GetString());
        Assert.Equal(["duplicate", "stored", "duplicate"], proceeded.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("outcome").GetString()));
        Assert.Single(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(fresh)}"));
    }

    [Fact]
    public async Task A_small_document_stored_at_once_is_rolled_back_whole_too()
    {
        var (first, ids) = Fresh("reefer-journey.jsonld");
        Assert.True((await setup.CaptureAndWaitAsync(first)).GetProperty("success").GetBoolean());
        var again = JsonNode.Parse(first)!;
        var fresh = $"urn:uuid:{Guid.NewGuid()}";
        EventList(again)[1]!["eventID"] = fresh;

        var job = await setup.CaptureAndWaitAsync(again.ToJsonString());

        Assert.False(job.GetProperty("success").GetBoolean());
        Assert.Equal(["duplicate", "rolled-back"], job.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("outcome").GetString()));
        Assert.Empty(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(fresh)}"));
        Assert.Single(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(ids["urn:uuid:7d1c2a40-0d3b-4f8e-9a51-1b2c3d4e5f60"])}"));
    }

    [Fact]
    public async Task A_single_event_is_201_a_repeat_409_and_an_error_declaration_of_it_a_correction()
    {
        var e = JsonNode.Parse(Document("valid", "single-object-event.jsonld"))!.AsObject();
        var eventId = $"urn:uuid:{Guid.NewGuid()}";
        e["eventID"] = eventId;

        var created = await setup.Scanner.PostAsync("/epcis/events", EpcisService.Json(e.ToJsonString()));
        await Expect(created, HttpStatusCode.Created);
        Assert.Equal($"/epcis/events/{Uri.EscapeDataString(eventId)}", created.Headers.Location!.ToString());
        var (byId, _) = await setup.QueryAsync(created.Headers.Location!.ToString());
        Assert.Equal("G3", EventList(byId).Single()!["yard:gate"]!.GetValue<string>());

        var repeated = await setup.Scanner.PostAsync("/epcis/events", EpcisService.Json(e.ToJsonString()));
        var conflict = await Expect(repeated, HttpStatusCode.Conflict);
        Assert.Equal("ResourceAlreadyExistsException", conflict.GetProperty("epcisException").GetString());

        e["errorDeclaration"] = new JsonObject { ["declarationTime"] = "2026-11-30T11:00:00Z", ["reason"] = "did_not_occur" };
        await Expect(await setup.Scanner.PostAsync("/epcis/events", EpcisService.Json(e.ToJsonString(), "application/json")), HttpStatusCode.Created);
        var both = EventList((await setup.QueryAsync(created.Headers.Location!.ToString())).Document);
        Assert.Equal(2, both.Count);
        Assert.Single(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(eventId)}&EXISTS_errorDeclaration"));
        Assert.Contains(eventId, (await setup.EventsAsync("/epcis/events?EQ_errorReason=did_not_occur&perPage=1000")).Select(x => Id(x!)));
    }

    [Fact]
    public async Task A_single_event_without_an_eventID_gets_one()
    {
        var e = JsonNode.Parse(Document("valid", "single-object-event.jsonld"))!.AsObject();

        var created = await setup.Scanner.PostAsync("/epcis/events", EpcisService.Json(e.ToJsonString()));

        var body = await Expect(created, HttpStatusCode.Created);
        var assigned = body.GetProperty("eventID").GetString()!;
        Assert.StartsWith("urn:uuid:", assigned);
        Assert.Equal(assigned, Id(EventList((await setup.QueryAsync(created.Headers.Location!.ToString())).Document).Single()!));
    }

    [Fact]
    public async Task Pages_follow_the_Link_header_to_the_end_and_show_each_event_once()
    {
        var (text, ids) = Fresh("aggregation-and-association.jsonld");
        var document = JsonNode.Parse(text)!;
        var epc = $"urn:epc:id:giai:4012345.PAGE-{Guid.NewGuid():N}";
        foreach (var e in EventList(document))
        {
            e!["childEPCs"] = new JsonArray(epc);
        }

        var list = EventList(document);
        for (var i = 0; i < 3; i++)
        {
            list.Add(list[i % 2]!.DeepClone());
        }

        await setup.CaptureAndWaitAsync(document.ToJsonString());
        var seen = new List<string>();
        string? next = $"/epcis/events?MATCH_epc={Q(epc)}&perPage=2&orderBy=eventTime&orderDirection=ASC";
        while (next is not null)
        {
            var (answer, response) = await setup.QueryAsync(next);
            seen.AddRange(EventList(answer).Select(e => Id(e!)));
            next = response.Headers.TryGetValues("Link", out var links)
                ? new Uri(links.Single().Split(';')[0].Trim('<', '>', ' ')).PathAndQuery
                : null;
        }

        Assert.Equal(5, seen.Count);
        Assert.Equal(5, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("GE_eventTime=not-a-date", "GE_eventTime")]
    [InlineData("EQ_action=SHIPPED", "EQ_action")]
    [InlineData("orderDirection=SIDEWAYS", "orderDirection")]
    [InlineData("GE_eventDate=2026-01-01T00:00:00%2B01:00", "GE_eventDate")]
    [InlineData("perPage=0", "perPage")]
    [InlineData("nextPageToken=forged", "nextPageToken")]
    public async Task A_bad_query_parameter_is_400_naming_it(string query, string parameter)
    {
        var problem = await Expect(await setup.Staff.GetAsync($"/epcis/events?{query}"), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
        Assert.Equal("QueryParameterException", problem.GetProperty("epcisException").GetString());
    }

    [Fact]
    public async Task Only_capturing_devices_capture_and_only_staff_query()
    {
        var staffCapture = await CaptureAsync(setup.Staff, Document("valid", "reefer-journey.jsonld"));
        Assert.Equal(HttpStatusCode.Forbidden, staffCapture.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await setup.Scanner.GetAsync("/epcis/events")).StatusCode);
        var sensor = setup.Service.Client(await setup.Api.EnrollAsync("sensor"));
        var (text, _) = Fresh("reefer-journey.jsonld");
        Assert.Equal(HttpStatusCode.Accepted, (await CaptureAsync(sensor, text)).StatusCode);
    }

    [Fact]
    public async Task Another_devices_capture_job_is_not_found()
    {
        var (text, _) = Fresh("reefer-journey.jsonld");
        var response = await CaptureAsync(setup.Scanner, text);
        await Expect(response, HttpStatusCode.Accepted);
        var other = setup.Service.Client(await setup.Api.EnrollAsync("sensor"));

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(response.Headers.Location)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await setup.Staff.GetAsync(response.Headers.Location)).StatusCode);
    }

    [Fact]
    public async Task Other_media_types_are_415()
    {
        var response = await CaptureAsync(setup.Scanner, Document("valid", "reefer-journey.jsonld"), mediaType: "text/plain");

        await Expect(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_job_left_running_by_a_dead_instance_is_taken_over_when_its_lease_runs_out()
    {
        var (text, ids) = Fresh("reefer-journey.jsonld");
        var id = "capture-" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(setup.ConnectionString))
        {
            await connection.OpenAsync();
            // As a worker leaves it when its process dies mid-run: claimed, lease expired, nothing committed.
            await using var insert = new NpgsqlCommand(
                "insert into tracktrace.epcis_capture_jobs (id, state, error_behaviour, device_id, event_count, document, created_at, lease_until, attempts) " +
                "values ($1, 'running', 'rollback', 'gone-device', 2, $2, now(), now() - interval '1 minute', 1)", connection);
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(text);
            await insert.ExecuteNonQueryAsync();
        }

        var job = await JobAsync(setup.Staff, $"/epcis/capture/{id}");

        Assert.True(job.GetProperty("success").GetBoolean(), job.GetRawText());
        Assert.Single(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(ids["urn:uuid:7d1c2a40-0d3b-4f8e-9a51-1b2c3d4e5f60"])}"));
    }

    [Fact]
    public async Task Event_types_are_listed()
    {
        var types = await Expect(await setup.Staff.GetAsync("/epcis/eventTypes"), HttpStatusCode.OK);

        Assert.Equal(["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"],
            types.GetProperty("member").EnumerateArray().Select(t => t.GetString()));
    }
}
