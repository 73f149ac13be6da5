using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace TrackTrace.Domain.Routes;

/// <summary>Reads and validates one route template, <c>workflows/&lt;id&gt;.yaml</c>.</summary>
internal static partial class RouteTemplateFile
{
    private static readonly string[] RouteFields = ["id", "name", "description", "coldChain", "legs"];
    private static readonly string[] ColdChainFields = ["minCelsius", "maxCelsius", "allowanceMinutes", "hardMinCelsius", "hardMaxCelsius"];
    private static readonly string[] LegFields = ["type", "name", "optional", "stations", "expectedWithin", "tolerance", "earliest"];

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$", RegexOptions.CultureInvariant)]
    public static partial Regex IdPattern();

    /// <summary>The route, or null when the file has problems (all of them reported).</summary>
    public static Route? Read(WorkflowDocument document, string fileId, IReadOnlyList<StationType> stationTypes)
    {
        if (document.Root is not { } root)
        {
            return null;
        }

        var problemsBefore = document.ProblemCount;
        document.RefuseUnknownFields(root, "", RouteFields);

        var id = ReadId(document, root, fileId);
        var name = document.Text(root, "", "name");
        var description = document.Text(root, "", "description");
        var coldChain = document.Mapping(root, "", "coldChain") is { } coldChainNode
            ? ReadColdChain(document, coldChainNode)
            : null;
        var legs = ReadLegs(document, root, stationTypes);

        if (document.ProblemCount > problemsBefore)
        {
            return null;
        }

        // Only a route whose legs are otherwise sound is worth checking for ambiguity.
        RefuseAmbiguity(document, legs, WorkflowDocument.Find(root, "legs") as YamlSequenceNode);
        if (document.ProblemCount > problemsBefore)
        {
            return null;
        }

        return new Route(
            id!,
            string.IsNullOrWhiteSpace(name) ? id! : name,
            string.IsNullOrWhiteSpace(description) ? null : description,
            legs.AsReadOnly(),
            coldChain);
    }

    private static string? ReadId(WorkflowDocument document, YamlMappingNode root, string fileId)
    {
        var id = document.Text(root, "", "id");
        var at = WorkflowDocument.Find(root, "id") ?? root;
        if (id is null)
        {
            document.Report("id", "missing: every route needs an id (the file name without .yaml)", at);
        }
        else if (string.IsNullOrWhiteSpace(id))
        {
            document.Report("id", "empty: every route needs an id (the file name without .yaml)", at);
        }
        else if (!IdPattern().IsMatch(id))
        {
            document.Report("id", $"'{id}' is not a valid id: use lower-case letters, digits and '-', 2 to 63 characters, starting with a letter or digit", at);
        }
        else if (!string.Equals(id, fileId, StringComparison.Ordinal))
        {
            document.Report("id", $"'{id}' does not match the file name '{fileId}'; name the file {id}.yaml or change the id", at);
        }

        return id;
    }

    private static ColdChainProfile? ReadColdChain(WorkflowDocument document, YamlMappingNode node)
    {
        const string at = "coldChain";
        var problemsBefore = document.ProblemCount;
        document.RefuseUnknownFields(node, at, ColdChainFields);

        var min = Required(document.Number(node, at, "minCelsius"), "minCelsius");
        var max = Required(document.Number(node, at, "maxCelsius"), "maxCelsius");
        var allowance = Required(document.Number(node, at, "allowanceMinutes"), "allowanceMinutes");
        var hardMin = document.Number(node, at, "hardMinCelsius");
        var hardMax = document.Number(node, at, "hardMaxCelsius");

        if (min is { } low && max is { } high && low >= high)
        {
            document.Report($"{at}.minCelsius", $"minCelsius ({F(low)}) must be below maxCelsius ({F(high)})", WorkflowDocument.Find(node, "minCelsius"));
        }

        if (allowance is <= 0)
        {
            document.Report($"{at}.allowanceMinutes", $"allowanceMinutes ({F(allowance.Value)}) must be positive: it is how long the goods may spend outside [min, max] in all", WorkflowDocument.Find(node, "allowanceMinutes"));
        }

        if (hardMin is { } hardLow && min is { } softLow && hardLow > softLow)
        {
            document.Report($"{at}.hardMinCelsius", $"hardMinCelsius ({F(hardLow)}) must not be above minCelsius ({F(softLow)})", WorkflowDocument.Find(node, "hardMinCelsius"));
        }

        if (hardMax is { } hardHigh && max is { } softHigh && hardHigh < softHigh)
        {
            document.Report($"{at}.hardMaxCelsius", $"hardMaxCelsius ({F(hardHigh)}) must not be below maxCelsius ({F(softHigh)})", WorkflowDocument.Find(node, "hardMaxCelsius"));
        }

        return document.ProblemCount > problemsBefore
            ? null
            : new ColdChainProfile(min!.Value, max!.Value, TimeSpan.FromMinutes(allowance!.Value), hardMin, hardMax);

        double? Required(double? value, string key)
        {
            // A value that is there but not a number has been reported by Number already.
            if (value is null && (WorkflowDocument.Find(node, key) is not { } given || WorkflowDocument.IsNull(given)))
            {
                document.Report($"{at}.{key}", "missing: a cold chain needs minCelsius, maxCelsius and allowanceMinutes", node);
            }

            return value;
        }
    }

    private static List<Leg> ReadLegs(WorkflowDocument document, YamlMappingNode root, IReadOnlyList<StationType> stationTypes)
    {
        var legs = new List<Leg>();
        var given = WorkflowDocument.Find(root, "legs");
        var list = document.List(root, "", "legs");
        if (list is null && given is not null && !WorkflowDocument.IsNull(given))
        {
            return legs; // not a list: reported by List
        }

        if (list is null || list.Children.Count == 0)
        {
            document.Report("legs", "no legs: a route needs at least one leg, in travel order", given ?? root);
            return legs;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var at = $"legs[{i}]";
            if (list.Children[i] is not YamlMappingNode node)
            {
                document.Report(at, $"expected a leg (type, name, optional, stations), found {WorkflowDocument.Describe(list.Children[i])}", list.Children[i]);
                continue;
            }

            document.RefuseUnknownFields(node, at, LegFields);
            var type = document.Text(node, at, "type");
            var name = document.Text(node, at, "name");
            var optional = document.Flag(node, at, "optional") ?? false;

            if (string.IsNullOrWhiteSpace(type))
            {
                document.Report($"{at}.type", "missing: every leg needs a station type", WorkflowDocument.Find(node, "type") ?? node);
                type = "";
            }
            else if (!stationTypes.Any(known => string.Equals(known.Id, type, StringComparison.Ordinal)))
            {
                document.Report($"{at}.type", $"unknown station type '{type}'; known types: {string.Join(", ", stationTypes.Select(known => known.Id))}", WorkflowDocument.Find(node, "type"));
            }

            if (optional && i == 0)
            {
                document.Report($"{at}.optional", "the first leg cannot be optional: every shipment starts with a known check-in", WorkflowDocument.Find(node, "optional"));
            }
            else if (optional && i == list.Children.Count - 1)
            {
                document.Report($"{at}.optional", "the last leg cannot be optional: it is the delivery", WorkflowDocument.Find(node, "optional"));
            }

            var stations = ReadStations(document, node, at);
            var (expectedWithin, tolerance, earliest) = ReadSchedule(document, node, at);
            legs.Add(new Leg(i + 1, type, string.IsNullOrWhiteSpace(name) ? type : name, optional, stations,
                expectedWithin, tolerance ?? TimeSpan.Zero, earliest));
        }

        return legs;
    }

    /// <summary>
    /// When the leg's check-in is expected: <c>expectedWithin</c> after the previous check-in,
    /// <c>tolerance</c> later still on time, and not before <c>earliest</c>. Durations are ISO-8601.
    /// </summary>
    private static (TimeSpan? ExpectedWithin, TimeSpan? Tolerance, TimeSpan? Earliest) ReadSchedule(
        WorkflowDocument document, YamlMappingNode leg, string at)
    {
        var expectedWithin = Duration(document, leg, at, "expectedWithin", positive: true);
        var tolerance = Duration(document, leg, at, "tolerance", positive: false);
        var earliest = Duration(document, leg, at, "earliest", positive: false);
        if (tolerance is not null && expectedWithin is null && WorkflowDocument.Find(leg, "expectedWithin") is null)
        {
            document.Report($"{at}.tolerance", "a tolerance widens expectedWithin: give the leg an expectedWithin too, or leave tolerance out",
                WorkflowDocument.Find(leg, "tolerance"));
        }

        if (earliest is { } soonest && expectedWithin is { } expected && soonest > expected)
        {
            document.Report($"{at}.earliest", $"earliest ({IsoDuration.Format(soonest)}) must not be after expectedWithin ({IsoDuration.Format(expected)})",
                WorkflowDocument.Find(leg, "earliest"));
        }

        return (expectedWithin, tolerance, earliest);
    }

    private static TimeSpan? Duration(WorkflowDocument document, YamlMappingNode leg, string at, string key, bool positive)
    {
        var node = WorkflowDocument.Find(leg, key);
        if (document.Text(leg, at, key) is not { } text)
        {
            if (node is not null && WorkflowDocument.IsNull(node))
            {
                document.Report($"{at}.{key}", $"empty: expected {IsoDuration.Rule}", node);
            }

            return null; // absent, or not a single value (reported by Text)
        }

        if (IsoDuration.Parse(text.Trim(), out var problem) is not { } duration)
        {
            document.Report($"{at}.{key}", problem!, node);
            return null;
        }

        if (duration < TimeSpan.Zero)
        {
            document.Report($"{at}.{key}", $"'{text}' is negative: durations count forward from the previous check-in", node);
            return null;
        }

        if (positive && duration == TimeSpan.Zero)
        {
            document.Report($"{at}.{key}", $"'{text}' is zero: a leg cannot be expected at the very moment of the previous check-in", node);
            return null;
        }

        return duration;
    }

    private static IReadOnlyList<string> ReadStations(WorkflowDocument document, YamlMappingNode leg, string at)
    {
        var list = document.List(leg, at, "stations");
        if (list is null)
        {
            return [];
        }

        var stations = new List<string>();
        for (var j = 0; j < list.Children.Count; j++)
        {
            var field = $"{at}.stations[{j}]";
            var node = list.Children[j];
            if (node is not YamlScalarNode { Value: { } station } || string.IsNullOrWhiteSpace(station) || WorkflowDocument.IsNull(node))
            {
                document.Report(field, $"expected a station id, found {WorkflowDocument.Describe(node)}", node);
            }
            else if (stations.Contains(station, StringComparer.Ordinal))
            {
                document.Report(field, $"duplicate station id '{station}': each station is listed once", node);
            }
            else
            {
                stations.Add(station);
            }
        }

        return stations.AsReadOnly();
    }

    /// <summary>
    /// From any progress, the legs a check-in could complete must not accept the same station,
    /// or nobody could tell which leg a scan completes (say an optional truck leg followed by a
    /// truck leg). Stateless would only find out at the first such scan; refuse at start-up.
    /// </summary>
    private static void RefuseAmbiguity(WorkflowDocument document, IReadOnlyList<Leg> legs, YamlSequenceNode? list)
    {
        var reported = new HashSet<(int, int)>();
        for (var progress = 0; progress < legs.Count; progress++)
        {
            var candidates = RouteWorkflow.CandidateLegs(legs, progress);
            for (var a = 0; a < candidates.Count; a++)
            {
                for (var b = a + 1; b < candidates.Count; b++)
                {
                    var (first, second) = (candidates[a], candidates[b]);
                    if (!string.Equals(first.StationType, second.StationType, StringComparison.Ordinal)
                        || SharedStations(first, second) is not { } shared
                        || !reported.Add((first.Number, second.Number)))
                    {
                        continue;
                    }

                    var after = progress == 0 ? "at registration" : $"after leg {progress}";
                    document.Report(
                        $"legs[{second.Number - 1}]",
                        $"ambiguous route: {after}, a '{first.StationType}' check-in could complete leg {first.Number} ({first.Name}, optional) or leg {second.Number} ({second.Name}) because {shared}; give both legs station lists that do not overlap, or make leg {first.Number} mandatory",
                        list?.Children[second.Number - 1]);
                }
            }
        }
    }

    private static string? SharedStations(Leg first, Leg second)
    {
        if (first.Stations.Count == 0 && second.Stations.Count == 0)
        {
            return $"both accept any '{first.StationType}' station";
        }

        if (first.Stations.Count == 0 || second.Stations.Count == 0)
        {
            var open = first.Stations.Count == 0 ? first : second;
            return $"leg {open.Number} accepts any '{open.StationType}' station";
        }

        var common = first.Stations.Intersect(second.Stations, StringComparer.Ordinal).ToList();
        return common.Count == 0 ? null : $"both accept {string.Join(", ", common.Select(s => $"'{s}'"))}";
    }

    private static string F(double value) => value.ToString(CultureInfo.InvariantCulture);
}
