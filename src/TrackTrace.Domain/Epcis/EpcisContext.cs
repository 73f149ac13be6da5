using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrackTrace.Domain.Epcis;

/// <summary>
/// JSON-LD <c>@context</c> values. The standard EPCIS context is known by its URLs and never
/// fetched; what else a document's context says (namespace prefixes of its extensions) is kept with
/// its events so that a query answer defines every prefix its events use.
/// </summary>
public static class EpcisContext
{
    public const string Standard = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

    private static readonly HashSet<string> StandardUrls =
    [
        Standard,
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    ];

    public static bool IsStandardUrl(string url) => StandardUrls.Contains(url);

    /// <summary>True when the context adds nothing to the standard one (or is missing).</summary>
    public static bool IsStandard(JsonNode? context) => Entries(context).All(e => e is JsonValue v && IsStandardUrl(v.GetValue<string>()));

    /// <summary>A context as its list of entries (a URL string or an object of term definitions).</summary>
    public static IEnumerable<JsonNode> Entries(JsonNode? context) => context switch
    {
        null => [],
        JsonArray array => array.OfType<JsonNode>(),
        _ => [context],
    };

    /// <summary>
    /// The query document's @context and the events that need their own: the standard context, the
    /// other context URLs used, and one object with every prefix the events define. An event whose
    /// document gave a prefix another meaning than an earlier one carries its full context itself.
    /// </summary>
    public static (JsonArray TopLevel, IReadOnlySet<int> OwnContext) Compose(IReadOnlyList<string?> contexts)
    {
        var urls = new List<string> { Standard };
        var terms = new JsonObject();
        var own = new HashSet<int>();
        for (var i = 0; i < contexts.Count; i++)
        {
            if (contexts[i] is not { } text)
            {
                continue;
            }

            var entries = Entries(JsonNode.Parse(text)).ToArray();
            var conflict = entries.OfType<JsonObject>().SelectMany(o => o)
                .Any(t => terms.TryGetPropertyValue(t.Key, out var known) && !JsonNode.DeepEquals(known, t.Value));
            if (conflict)
            {
                own.Add(i);
                continue;
            }

            foreach (var entry in entries)
            {
                if (entry is JsonValue url && url.GetValueKind() == JsonValueKind.String)
                {
                    var value = url.GetValue<string>();
                    if (!IsStandardUrl(value) && !urls.Contains(value))
                    {
                        urls.Add(value);
                    }
                }
                else if (entry is JsonObject definitions)
                {
                    foreach (var (term, value) in definitions)
                    {
                        terms.TryAdd(term, value?.DeepClone());
                    }
                }
            }
        }

        var top = new JsonArray(urls.Select(u => (JsonNode)JsonValue.Create(u)).ToArray());
        if (terms.Count > 0)
        {
            top.Add(terms);
        }

        return (top, own);
    }

    /// <summary>The document's context followed by the event's own entries, for an event that must carry both.</summary>
    public static JsonNode Merge(string documentContext, JsonNode? eventContext)
    {
        var merged = new JsonArray();
        foreach (var entry in Entries(JsonNode.Parse(documentContext)).Concat(Entries(eventContext)))
        {
            if (!merged.Any(m => JsonNode.DeepEquals(m, entry)))
            {
                merged.Add(entry.DeepClone());
            }
        }

        return merged;
    }
}
