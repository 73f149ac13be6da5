using YamlDotNet.RepresentationModel;

namespace TrackTrace.Domain.Routes;

/// <summary>Reads <c>workflows/station-types.yaml</c>: the kinds of station legs may name.</summary>
internal static class StationTypesFile
{
    public const string FileName = "station-types.yaml";

    private static readonly string[] RootFields = ["stationTypes"];
    private static readonly string[] TypeFields = ["id", "description"];

    public static List<StationType> Read(WorkflowDocument document)
    {
        var types = new List<StationType>();
        if (document.Root is not { } root)
        {
            return types;
        }

        document.RefuseUnknownFields(root, "", RootFields);
        var list = document.List(root, "", "stationTypes");
        if (list is null || list.Children.Count == 0)
        {
            document.Report("stationTypes", "missing or empty: list the station types legs may name", list ?? (YamlNode)root);
            return types;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var at = $"stationTypes[{i}]";
            if (list.Children[i] is not YamlMappingNode entry)
            {
                document.Report(at, "expected 'id' and 'description' fields", list.Children[i]);
                continue;
            }

            document.RefuseUnknownFields(entry, at, TypeFields);
            var id = document.Text(entry, at, "id");
            var description = document.Text(entry, at, "description");
            var idNode = WorkflowDocument.Find(entry, "id") ?? entry;
            if (string.IsNullOrWhiteSpace(id))
            {
                document.Report($"{at}.id", "missing or empty: every station type needs an id", idNode);
                continue;
            }

            if (!RouteTemplateFile.IdPattern().IsMatch(id))
            {
                document.Report($"{at}.id", $"'{id}' is not a valid id: use lower-case letters, digits and '-', 2 to 63 characters, starting with a letter or digit", idNode);
            }
            else if (!seen.Add(id))
            {
                document.Report($"{at}.id", $"station type '{id}' is listed twice", idNode);
            }

            if (string.IsNullOrWhiteSpace(description))
            {
                document.Report($"{at}.description", "missing or empty: say what kind of place this is", WorkflowDocument.Find(entry, "description") ?? entry);
            }

            types.Add(new StationType(id, description ?? ""));
        }

        return types;
    }
}
