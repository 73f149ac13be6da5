using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Stateless;
using Stateless.Graph;

namespace TrackTrace.Domain.Routes;

/// <summary>
/// A route turned into a state machine. States are progress values: 0 = registered, k = leg k
/// is the last completed leg, <c>Legs.Count</c> = delivered. Triggers are station types, each
/// carrying the station id so a leg's <c>stations</c> list is a described guard.
/// </summary>
/// <remarks>
/// Stateless machines are not thread-safe, and a scan must not wait for another, so each thread
/// gets its own machine, configured from the same route; firing one costs no configuration.
/// </remarks>
public sealed class RouteWorkflow
{
    private readonly IReadOnlyList<Leg>[] _expectedNext;
    private readonly ThreadLocal<CheckInMachine> _machines;
    private readonly string _diagram;

    internal RouteWorkflow(Route route)
    {
        Route = route;
        _expectedNext = new IReadOnlyList<Leg>[route.Legs.Count + 1];
        for (var progress = 0; progress <= route.Legs.Count; progress++)
        {
            _expectedNext[progress] = CandidateLegs(route.Legs, progress);
        }

        // Built once here so a route Stateless cannot represent fails at start-up, not at a scan.
        var first = new CheckInMachine(route, _expectedNext);
        _machines = new ThreadLocal<CheckInMachine>(() => new CheckInMachine(route, _expectedNext));
        _diagram = Describe(route, MermaidGraph.Format(first.GetInfo()));
    }

    public Route Route { get; }

    /// <summary>The legs a check-in may complete next; empty once delivered.</summary>
    public IReadOnlyList<Leg> ExpectedNext(int progress)
    {
        CheckRange(progress);
        return _expectedNext[progress];
    }

    /// <summary>
    /// The leg a check-in at <paramref name="stationId"/> (of <paramref name="stationType"/>)
    /// completes from <paramref name="progress"/>, or null when it is out of sequence: wrong
    /// type, a station the leg does not allow, a mandatory leg skipped, backwards, or after delivery.
    /// </summary>
    public Leg? TryCheckIn(int progress, string stationType, string stationId)
    {
        CheckRange(progress);
        ArgumentNullException.ThrowIfNull(stationType);
        ArgumentNullException.ThrowIfNull(stationId);

        var reached = _machines.Value!.Fire(progress, stationType, stationId);
        return reached == progress ? null : Route.Legs[reached - 1];
    }

    public bool IsDelivered(int progress)
    {
        CheckRange(progress);
        return progress == Route.Legs.Count;
    }

    /// <summary>The route as a Mermaid state diagram, drawn by Stateless from the machine itself.</summary>
    public string MermaidDiagram() => _diagram;

    /// <summary>
    /// Legs a check-in may complete from <paramref name="progress"/>: the next leg and, while it
    /// and the ones after it are optional, the following legs up to the first mandatory one.
    /// </summary>
    internal static IReadOnlyList<Leg> CandidateLegs(IReadOnlyList<Leg> legs, int progress)
    {
        var candidates = new List<Leg>();
        for (var next = progress; next < legs.Count; next++)
        {
            candidates.Add(legs[next]);
            if (!legs[next].Optional)
            {
                break;
            }
        }

        return candidates.AsReadOnly();
    }

    private void CheckRange(int progress)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(progress);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(progress, Route.Legs.Count);
    }

    /// <summary>
    /// Stateless names states by their value (0, 1, ...), which says nothing to a reader: give
    /// each state an id and a description ("Leg3 : 3 customs"), and mark delivery as the end.
    /// </summary>
    private static string Describe(Route route, string mermaid)
    {
        var delivered = route.Legs.Count;
        string StateId(int progress) => progress == 0 ? "Registered" : progress == delivered ? "Delivered" : $"Leg{progress}";
        string Rename(string state) =>
            int.TryParse(state, NumberStyles.None, CultureInfo.InvariantCulture, out var progress) && progress <= delivered
                ? StateId(progress)
                : state;

        var lines = mermaid.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tidy = new StringBuilder().Append(lines[0]).Append('\n');
        for (var progress = 1; progress < delivered; progress++)
        {
            tidy.Append(CultureInfo.InvariantCulture, $"\t{StateId(progress)} : {progress} {route.Legs[progress - 1].StationType}\n");
        }

        foreach (var line in lines.Skip(1))
        {
            // Transitions read "<from> --> <to> : <label>", the start "[*] --> <state>".
            var arrow = line.IndexOf(" --> ", StringComparison.Ordinal);
            if (arrow < 0)
            {
                tidy.Append('\t').Append(line).Append('\n');
                continue;
            }

            var colon = line.IndexOf(" : ", arrow, StringComparison.Ordinal);
            var end = colon < 0 ? line.Length : colon;
            tidy.Append(CultureInfo.InvariantCulture, $"\t{Rename(line[..arrow])} --> {Rename(line[(arrow + 5)..end])}{line[end..]}\n");
        }

        return tidy.Append("\tDelivered --> [*]\n").ToString();
    }

    /// <summary>One Stateless machine for the route, its state held in a field it fires against.</summary>
    private sealed class CheckInMachine
    {
        private readonly StateMachine<int, string> _machine;
        private readonly FrozenDictionary<string, StateMachine<int, string>.TriggerWithParameters<string>> _checkIns;
        private int _progress;

        public CheckInMachine(Route route, IReadOnlyList<Leg>[] candidates)
        {
            _machine = new StateMachine<int, string>(() => _progress, progress => _progress = progress, FiringMode.Immediate);

            var checkIns = new Dictionary<string, StateMachine<int, string>.TriggerWithParameters<string>>(StringComparer.Ordinal);
            foreach (var type in route.Legs.Select(leg => leg.StationType).Distinct(StringComparer.Ordinal))
            {
                checkIns[type] = _machine.SetTriggerParameters<string>(type);
            }

            _checkIns = checkIns.ToFrozenDictionary(StringComparer.Ordinal);

            for (var progress = 0; progress < candidates.Length; progress++)
            {
                var state = _machine.Configure(progress);
                foreach (var leg in candidates[progress])
                {
                    var checkIn = _checkIns[leg.StationType];
                    if (leg.Stations.Count == 0)
                    {
                        state.Permit(leg.StationType, leg.Number);
                    }
                    else
                    {
                        var allowed = leg.Stations.ToFrozenSet(StringComparer.Ordinal);
                        state.PermitIf(checkIn, leg.Number, allowed.Contains, $"station in {string.Join(", ", leg.Stations)}");
                    }
                }
            }

            // Out of sequence is an answer (null), not an exception: leave the progress as it was.
            _machine.OnUnhandledTrigger(static (_, _) => { });
        }

        public Stateless.Reflection.StateMachineInfo GetInfo() => _machine.GetInfo();

        /// <returns>The progress after the check-in; unchanged when it is refused.</returns>
        public int Fire(int progress, string stationType, string stationId)
        {
            if (!_checkIns.TryGetValue(stationType, out var checkIn))
            {
                return progress; // no leg of the route is served by this type of station
            }

            _progress = progress;
            _machine.Fire(checkIn, stationId);
            return _progress;
        }
    }
}
