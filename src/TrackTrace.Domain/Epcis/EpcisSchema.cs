using System.Text.Json;
using Json.Schema;

namespace TrackTrace.Domain.Epcis;

/// <summary>One reason a document is not valid EPCIS 2.0: where (a JSON pointer) and what.</summary>
public sealed record SchemaError(string Pointer, string Message);

/// <summary>
/// GS1's EPCIS 2.0 JSON schema (embedded, see Epcis/Schema/NOTICE.md), evaluated with format
/// assertions on: several invalid documents (a bizStep of "transforming", an ilmd field without a
/// namespace) pass the schema without them, because only <c>"format": "uri"</c> catches them.
/// Validates EPCISDocument, EPCISQueryDocument and single events.
/// </summary>
public static class EpcisSchema
{
    private const int MaxErrors = 20;

    private static readonly Lazy<JsonSchema> Schema = new(Load);

    private static readonly EvaluationOptions Quick = new()
    {
        OutputFormat = OutputFormat.Flag, RequireFormatValidation = true,
    };

    private static readonly EvaluationOptions Detailed = new()
    {
        OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true,
    };

    /// <summary>No errors when the document is valid; otherwise the deepest failures, most specific first.</summary>
    public static IReadOnlyList<SchemaError> Validate(JsonElement document)
    {
        // A name given twice in one object is not in the schema's reach (it sees both), but the
        // event is ambiguous (which eventID?) and cannot be stored as it came: refuse it.
        if (DuplicateName(document, "") is { } duplicate)
        {
            return [duplicate];
        }

        // The quick pass stops at the first failure; only an invalid document pays for the details.
        if (Schema.Value.Evaluate(document, Quick).IsValid)
        {
            return [];
        }

        var found = new List<(string Pointer, int Depth, string Message)>();
        Collect(Schema.Value.Evaluate(document, Detailed), found);
        if (found.Count == 0)
        {
            return [new SchemaError("", "the document does not match the EPCIS 2.0 schema")];
        }

        // Keep the most specific places: a failure at /a/b explains a failure reported at /a.
        var pointers = found.Select(f => f.Pointer).Distinct().ToArray();
        return found
            .Where(f => !pointers.Any(p => p != f.Pointer && p.StartsWith(f.Pointer + "/", StringComparison.Ordinal)))
            .DistinctBy(f => (f.Pointer, f.Message))
            .OrderBy(f => f.Pointer, StringComparer.Ordinal)
            .Take(MaxErrors)
            .Select(f => new SchemaError(f.Pointer, f.Message))
            .ToArray();
    }

    private static SchemaError? DuplicateName(JsonElement element, string pointer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var at = pointer + "/" + property.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
                    if (!names.Add(property.Name))
                    {
                        return new SchemaError(at, $"'{property.Name}' is given twice in one object; each name may appear once");
                    }

                    if (DuplicateName(property.Value, at) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (DuplicateName(item, $"{pointer}/{index++}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static void Collect(EvaluationResults node, List<(string, int, string)> found)
    {
        if (node.IsValid)
        {
            return;
        }

        // An "if" that fails only chooses a branch, and a failing "not" is a success.
        var path = node.EvaluationPath;
        if (path.SegmentCount > 0 && path[path.SegmentCount - 1].ToString() is "if" or "not")
        {
            return;
        }

        foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
        {
            found.Add((node.InstanceLocation.ToString(), node.InstanceLocation.SegmentCount, Describe(keyword, message)));
        }

        foreach (var child in node.Details ?? [])
        {
            Collect(child, found);
        }
    }

    private static string Describe(string keyword, string message) => keyword switch
    {
        "additionalProperties" or "false" => "this field is not allowed here",
        _ => message,
    };

    private static JsonSchema Load()
    {
        using var stream = typeof(EpcisSchema).Assembly.GetManifestResourceStream("TrackTrace.Domain.Epcis.EPCIS-JSON-Schema.json")
            ?? throw new InvalidOperationException("the EPCIS JSON schema is not embedded in TrackTrace.Domain");
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd());
    }
}
