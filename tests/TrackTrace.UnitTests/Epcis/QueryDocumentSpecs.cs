using System.Text.Json;
using System.Text.Json.Nodes;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.UnitTests.Epcis;

public sealed class QueryDocumentSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<StoredEvent> Stored(params string[] names) =>
        names.SelectMany(name =>
        {
            var document = CaptureDocument.Read(EpcisDocuments.Text("valid", name), name, Now);
            return document.Events.Select(e => new StoredEvent(e.Body, document.Context));
        }).ToArray();

    [Fact]
    public void The_answer_is_a_valid_EPCISQueryDocument_defining_every_prefix_its_events_use()
    {
        var answer = QueryDocument.Compose(Stored("reefer-journey.jsonld", "aggregation-and-association.jsonld",
            "transaction-and-transformation.jsonld"), Now);

        Assert.Empty(EpcisSchema.Validate(JsonDocument.Parse(answer.ToJsonString()).RootElement));
        var context = answer["@context"]!.AsArray();
        Assert.Equal(EpcisContext.Standard, context[0]!.GetValue<string>());
        var terms = context.OfType<JsonObject>().Single();
        Assert.Equal("https://reefer.example.org/epcis/", terms["cold"]!.GetValue<string>());
        Assert.Equal("https://dock.example.com/ns/", terms["dock"]!.GetValue<string>());
        Assert.Equal("https://plant.example.net/epcis/", terms["plant"]!.GetValue<string>());
        Assert.Equal(7, answer["epcisBody"]!["queryResults"]!["resultsBody"]!["eventList"]!.AsArray().Count);
    }

    [Fact]
    public void An_event_whose_prefix_means_something_else_elsewhere_carries_its_own_context()
    {
        var one = new StoredEvent("""{"type":"ObjectEvent","ex:a":1}""", """["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://one.example/"}]""");
        var two = new StoredEvent("""{"type":"ObjectEvent","ex:a":2}""", """["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://two.example/"}]""");

        var events = QueryDocument.Compose([one, two], Now)["epcisBody"]!["queryResults"]!["resultsBody"]!["eventList"]!.AsArray();

        Assert.Null(events[0]!["@context"]);
        Assert.Equal("https://two.example/", events[1]!["@context"]!.AsArray().OfType<JsonObject>().Single()["ex"]!.GetValue<string>());
    }
}
