using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TrackTrace.Domain.Routes;

/// <summary>
/// One YAML file under <c>workflows/</c>, read node by node rather than deserialised, so every
/// problem can name its field path and line, and every problem in the file is reported, not
/// just the first one a deserialiser trips over.
/// </summary>
internal sealed class WorkflowDocument
{
    private readonly ICollection<RouteDefinitionProblem> _problems;

    private WorkflowDocument(string file, ICollection<RouteDefinitionProblem> problems)
    {
        File = file;
        _problems = problems;
    }

    /// <summary>The file as people see it, e.g. <c>workflows/ocean-reefer.yaml</c>.</summary>
    public string File { get; }

    public int ProblemCount => _problems.Count;

    /// <summary>The top-level mapping, or null when the file is not one (already reported).</summary>
    public YamlMappingNode? Root { get; private set; }

    public static WorkflowDocument Load(string path, string file, ICollection<RouteDefinitionProblem> problems)
    {
        var document = new WorkflowDocument(file, problems);
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            document.Report("(yaml)", $"not valid YAML: {StripPosition(e.Message)}", (int)e.Start.Line, (int)e.Start.Column);
            return document;
        }

        if (stream.Documents.Count == 0)
        {
            document.Report("(yaml)", "the file is empty", null, null);
        }
        else if (stream.Documents.Count > 1)
        {
            document.Report("(yaml)", "the file holds more than one YAML document ('---'); keep one per file",
                stream.Documents[1].RootNode);
        }
        else if (stream.Documents[0].RootNode is YamlMappingNode root)
        {
            document.Root = root;
        }
        else if (IsNull(stream.Documents[0].RootNode))
        {
            document.Report("(yaml)", "the file is empty", null, null);
        }
        else
        {
            document.Report("(yaml)", "expected a mapping of fields (name: value) at the top of the file",
                stream.Documents[0].RootNode);
        }

        return document;
    }

    public void Report(string field, string problem, YamlNode? at) =>
        Report(field, problem, at is null ? null : (int)at.Start.Line, at is null ? null : (int)at.Start.Column);

    private void Report(string field, string problem, int? line, int? column) =>
        _problems.Add(new RouteDefinitionProblem(File, field, problem, line, column));

    /// <summary>Refuses fields nobody reads: a typo must not silently fall back to a default.</summary>
    public void RefuseUnknownFields(YamlMappingNode map, string at, IReadOnlyList<string> accepted)
    {
        foreach (var key in map.Children.Keys)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                Report(at.Length == 0 ? "(field name)" : at, "field names must be plain text", key);
            }
            else if (!accepted.Contains(name, StringComparer.Ordinal))
            {
                Report(Path(at, name), $"unknown field '{name}'; accepted fields: {string.Join(", ", accepted)}", key);
            }
        }
    }

    /// <summary>A text field; null when absent or written as null.</summary>
    public string? Text(YamlMappingNode map, string at, string key)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? string.Empty;
        }

        Report(Path(at, key), $"expected a single value, found {Describe(node)}", node);
        return null;
    }

    public double? Number(YamlMappingNode map, string at, string key)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text }
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number))
        {
            return number;
        }

        Report(Path(at, key), $"expected a number, found {Describe(node)}", node);
        return null;
    }

    public bool? Flag(YamlMappingNode map, string at, string key)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        Report(Path(at, key), $"expected true or false, found {Describe(node)}", node);
        return null;
    }

    public YamlMappingNode? Mapping(YamlMappingNode map, string at, string key)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        Report(Path(at, key), $"expected a mapping of fields (name: value), found {Describe(node)}", node);
        return null;
    }

    public YamlSequenceNode? List(YamlMappingNode map, string at, string key)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlSequenceNode list)
        {
            return list;
        }

        Report(Path(at, key), $"expected a list, found {Describe(node)}", node);
        return null;
    }

    public static YamlNode? Find(YamlMappingNode map, string key)
    {
        foreach (var (name, value) in map.Children)
        {
            if (name is YamlScalarNode { Value: { } text } && string.Equals(text, key, StringComparison.Ordinal))
            {
                return value;
            }
        }

        return null;
    }

    public static string Path(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode { Value: var value } => $"'{value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };

    /// <summary>An empty value, <c>~</c> or <c>null</c>, unquoted: YAML's ways of writing nothing.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>YamlDotNet prefixes its messages with the position, which the problem carries already.</summary>
    private static string StripPosition(string message)
    {
        const string separator = "): ";
        var at = message.StartsWith("(Line: ", StringComparison.Ordinal) ? message.IndexOf(separator, StringComparison.Ordinal) : -1;
        return at < 0 ? message : message[(at + separator.Length)..];
    }
}
