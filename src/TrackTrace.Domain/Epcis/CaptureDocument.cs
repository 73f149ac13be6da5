using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrackTrace.Domain.Epcis;

/// <summary>An event ready to store: its index and its JSON as it will be answered (eventID and recordTime set).</summary>
public sealed record CapturedEvent(int Index, IndexedEvent Indexed, string Body, DateTimeOffset RecordTime);

/// <summary>
/// The events of a captured EPCISDocument (or EPCISQueryDocument, which capture also accepts) and
/// the document's <c>@context</c>, which defines the namespace prefixes its extensions use and is
/// kept with every event (unless it is only the standard EPCIS context).
/// </summary>
public sealed record CaptureDocument(string? Context, IReadOnlyList<CapturedEvent> Events)
{
    /// <summary>The event list of a document, wherever its type keeps it; null when there is none.</summary>
    public static JsonElement? EventList(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object ||
            !document.TryGetProperty("epcisBody", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (body.TryGetProperty("eventList", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            return list;
        }

        return body.TryGetProperty("queryResults", out var results) && results.ValueKind == JsonValueKind.Object &&
               results.TryGetProperty("resultsBody", out var resultsBody) && resultsBody.ValueKind == JsonValueKind.Object &&
               resultsBody.TryGetProperty("eventList", out list) && list.ValueKind == JsonValueKind.Array
            ? list
            : null;
    }

    public static int CountEvents(JsonElement document) => EventList(document)?.GetArrayLength() ?? 0;

    /// <summary>
    /// Reads a schema-valid document. Events without an eventID get one derived from the capture
    /// and their place in it, so a capture job that is run again after a crash assigns the same ids.
    /// </summary>
    public static CaptureDocument Read(string json, string captureId, DateTimeOffset recordTime)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("the document is not a JSON object");
        var list = root["epcisBody"]?["eventList"] as JsonArray
                   ?? root["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"] as JsonArray
                   ?? [];
        var events = new List<CapturedEvent>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            events.Add(Capture(list[i]!.AsObject(), i, AssignedEventId(captureId, i), recordTime));
        }

        var context = root["@context"];
        return new CaptureDocument(EpcisContext.IsStandard(context) ? null : context!.ToJsonString(), events);
    }

    /// <summary>A single event (POST /events): it carries its own @context.</summary>
    public static CapturedEvent ReadEvent(JsonObject e, string assignedEventId, DateTimeOffset recordTime) =>
        Capture(e, 0, assignedEventId, recordTime);

    private static CapturedEvent Capture(JsonObject e, int index, string assignedEventId, DateTimeOffset recordTime)
    {
        if (e["eventID"] is not JsonValue id || id.GetValueKind() != JsonValueKind.String)
        {
            e["eventID"] = assignedEventId;
        }

        // recordTime is the repository's to set: when it stored the event.
        e["recordTime"] = EpcisTime.Format(recordTime);
        var eventId = e["eventID"]!.GetValue<string>();
        return new CapturedEvent(index, IndexedEvent.From(e, eventId), e.ToJsonString(EpcisJson.Options), EpcisTime.Truncate(recordTime));
    }

    /// <summary>A name-based UUID (RFC 4122 version 5 layout over SHA-256) of the capture id and the event's place.</summary>
    public static string AssignedEventId(string captureId, int index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"tracktrace-epcis-capture/{captureId}/{index}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return "urn:uuid:" + new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
