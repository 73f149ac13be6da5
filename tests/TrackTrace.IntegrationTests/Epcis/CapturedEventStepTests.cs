using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TrackTrace.Api.Epcis;
using static TrackTrace.IntegrationTests.Epcis.EpcisService;
using static TrackTrace.IntegrationTests.Infrastructure.ServiceFixture;

namespace TrackTrace.IntegrationTests.Epcis;

/// <summary>
/// The seam the shipment steps plug into (ICapturedEventStep): called once per stored event inside
/// the capture's transaction; its outcome is what the job lists, and a refusal undoes the capture
/// (rollback) or the one event (proceed).
/// </summary>
public sealed class CapturedEventStepTests(CapturedEventStepTests.WithStep setup) : IClassFixture<CapturedEventStepTests.WithStep>
{
    /// <summary>A step that refuses events of bizStep void_shipping and names the others' first EPC.</summary>
    public sealed class Gate : ICapturedEventStep
    {
        public ValueTask<EventOutcome> ApplyAsync(CaptureContext capture, StoredCapture stored, CancellationToken ct) =>
            ValueTask.FromResult(stored.Event.Indexed.BizStep == "void_shipping"
                ? new EventOutcome("forbidden", Detail: "void_shipping is not for this device", Failed: true, Status: 403)
                : new EventOutcome("checked-in", ShipmentId: stored.Event.Indexed.Epcs.FirstOrDefault().Epc));
    }

    public sealed class WithStep : EpcisService
    {
        protected override Action<WebApplicationBuilder> Configure =>
            builder => builder.Services.AddSingleton<ICapturedEventStep, Gate>();
    }

    private static string Document(params string[] bizSteps) => new JsonObject
    {
        ["@context"] = new JsonArray("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"),
        ["type"] = "EPCISDocument",
        ["schemaVersion"] = "2.0",
        ["creationDate"] = "2026-11-30T06:00:00Z",
        ["epcisBody"] = new JsonObject
        {
            ["eventList"] = new JsonArray(bizSteps.Select(step => (JsonNode)Event(step)).ToArray()),
        },
    }.ToJsonString();

    private static JsonObject Event(string bizStep) => new()
    {
        ["type"] = "ObjectEvent",
        ["eventID"] = $"urn:uuid:{Guid.NewGuid()}",
        ["eventTime"] = "2026-11-30T06:00:00Z",
        ["eventTimeZoneOffset"] = "+00:00",
        ["epcList"] = new JsonArray("urn:epc:id:sscc:4012345.0000000333"),
        ["action"] = "OBSERVE",
        ["bizStep"] = bizStep,
    };

    private static string[] Ids(string document) =>
        JsonNode.Parse(document)!["epcisBody"]!["eventList"]!.AsArray().Select(e => e!["eventID"]!.GetValue<string>()).ToArray();

    [Fact]
    public async Task Each_events_outcome_is_in_the_capture_job()
    {
        var job = await setup.CaptureAndWaitAsync(Document("arriving", "receiving", "departing"));

        Assert.True(job.GetProperty("success").GetBoolean(), job.GetRawText());
        Assert.All(job.GetProperty("events").EnumerateArray(), e =>
        {
            Assert.Equal("checked-in", e.GetProperty("outcome").GetString());
            Assert.Equal("https://id.gs1.org/00/040123450000003338", e.GetProperty("shipmentId").GetString());
        });
    }

    [Theory]
    [InlineData("arriving", "void_shipping")] // stored at once (two events)
    [InlineData("arriving", "receiving", "void_shipping")] // through a worker
    public async Task Under_rollback_a_refused_event_undoes_the_whole_capture(params string[] steps)
    {
        var document = Document(steps);

        var job = await setup.CaptureAndWaitAsync(document);

        Assert.False(job.GetProperty("success").GetBoolean());
        Assert.Equal(403, job.GetProperty("errors")[0].GetProperty("status").GetInt32());
        foreach (var id in Ids(document))
        {
            Assert.Empty(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(id)}"));
        }
    }

    [Fact]
    public async Task Under_proceed_only_the_refused_event_is_left_out()
    {
        var document = Document("arriving", "void_shipping", "receiving");
        var ids = Ids(document);

        var job = await setup.CaptureAndWaitAsync(document, "proceed");

        Assert.False(job.GetProperty("success").GetBoolean());
        Assert.Equal(["checked-in", "forbidden", "checked-in"], job.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("outcome").GetString()));
        Assert.Single(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(ids[0])}"));
        Assert.Empty(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(ids[1])}"));
        Assert.Single(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(ids[2])}"));
    }

    [Fact]
    public async Task A_single_event_the_step_refuses_is_answered_with_its_status_and_not_stored()
    {
        var e = Event("void_shipping");
        e["@context"] = new JsonArray("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld");

        var response = await setup.Scanner.PostAsync("/epcis/events", EpcisService.Json(e.ToJsonString()));

        await Expect(response, HttpStatusCode.Forbidden);
        Assert.Empty(await setup.EventsAsync($"/epcis/events?EQ_eventID={Q(e["eventID"]!.GetValue<string>())}"));
    }
}
