using System.Text.Json.Nodes;

namespace TrackTrace.Domain.Epcis;

/// <summary>An event as stored: its JSON as captured (eventID and recordTime set) and its document's context.</summary>
public sealed record StoredEvent(string Body, string? Context);

/// <summary>The EPCISQueryDocument that answers a query: the events as captured, every prefix they use defined.</summary>
public static class QueryDocument
{
    public const string QueryName = "SimpleEventQuery";

    public static JsonObject Compose(IReadOnlyList<StoredEvent> events, DateTimeOffset creationDate)
    {
        var (context, own) = EpcisContext.Compose(events.Select(e => e.Context).ToArray());
        var list = new JsonArray();
        for (var i = 0; i < events.Count; i++)
        {
            var body = JsonNode.Parse(events[i].Body)!.AsObject();
            if (own.Contains(i))
            {
                body["@context"] = EpcisContext.Merge(events[i].Context!, body["@context"]);
            }

            list.Add(body);
        }

        return new JsonObject
        {
            ["@context"] = context,
            ["type"] = "EPCISQueryDocument",
            ["schemaVersion"] = "2.0",
            ["creationDate"] = EpcisTime.Format(creationDate),
            ["epcisBody"] = new JsonObject
            {
                ["queryResults"] = new JsonObject
                {
                    ["queryName"] = QueryName,
                    ["resultsBody"] = new JsonObject { ["eventList"] = list },
                },
            },
        };
    }
}
