using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Monitoring;

/// <summary>
/// The monitoring rules' settings. They live in section "Devices" beside the device check's own
/// (<c>Devices:CloneWindow</c>, <c>Devices:MaxScansPerMinute</c>, ...), bound to this class of their own.
/// Every rule is on unless <c>Devices:Monitoring:{rule}</c> is false (the names are <see cref="MonitorRules"/>).
/// </summary>
public sealed class MonitoringOptions
{
    public const string DefaultSpeed = "default";

    /// <summary>Record where each certificate is used from; the clone and network rules need it.</summary>
    public bool Sightings { get; set; } = true;

    /// <summary>
    /// How often each instance writes what it saw (one round trip for all of it); a clone is detected
    /// within about one interval of its original's next request.
    /// </summary>
    public TimeSpan SightingsFlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Sightings (and certificate uses) last seen longer ago are deleted.</summary>
    public TimeSpan SightingsRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Rule name → on (default) or off.</summary>
    public Dictionary<string, bool> Monitoring { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Uses of one address closer together than this form one spell; two addresses' spells overlapping is a clone.</summary>
    public TimeSpan CloneWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Scans of one scanner in one calendar minute, summed over all instances, above which it is alerted.</summary>
    public int MaxScansPerMinute { get; set; } = 600;

    /// <summary>Station type → the most a leg leaving a station of that type travels, km/h; <c>default</c> for the rest.</summary>
    public Dictionary<string, double> MaxSpeedKmh { get; set; } = new(StringComparer.Ordinal)
    {
        ["truck"] = 120, ["rail"] = 200, ["port"] = 60, ["airport"] = 1000, [DefaultSpeed] = 120,
    };

    /// <summary>Stations nearer each other than this are never too far apart (coordinates are approximate).</summary>
    public double TravelSlackKm { get; set; } = 10;

    /// <summary>A device alert of one rule and subject (an address, a scan rate) is raised at most once per window.</summary>
    public TimeSpan MonitorAlertWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether a rule runs: switched on (the default) and, for the rules that read sightings, sightings recorded.</summary>
    public bool IsOn(string rule) =>
        Monitoring.GetValueOrDefault(rule, true) &&
        (Sightings || rule is not (MonitorRules.CertificateClone or MonitorRules.OutsideNetwork));

    /// <summary>The impossible-travel rule's limits; null when it is off.</summary>
    public TravelLimits? Travel() => IsOn(MonitorRules.ImpossibleTravel)
        ? new TravelLimits(MaxSpeedKmh.Where(s => s.Key != DefaultSpeed).ToDictionary(), MaxSpeedKmh[DefaultSpeed], TravelSlackKm)
        : null;

    /// <summary>What is wrong with the settings, each line naming its key; empty when the service may start.</summary>
    public IEnumerable<string> Problems(IReadOnlyCollection<string> stationTypes)
    {
        foreach (var rule in Monitoring.Keys.Where(k => !MonitorRules.All.Contains(k)))
        {
            yield return $"Devices:Monitoring:{rule} is not a rule; the rules are {string.Join(", ", MonitorRules.All)}";
        }

        if (SightingsFlushInterval < TimeSpan.FromMilliseconds(50) || SightingsFlushInterval > TimeSpan.FromMinutes(1))
        {
            yield return $"Devices:SightingsFlushInterval is {SightingsFlushInterval:c}; give 00:00:00.05 to 00:01:00";
        }

        foreach (var (name, value) in new[]
                 {
                     ("SightingsRetention", SightingsRetention), ("CloneWindow", CloneWindow), ("MonitorAlertWindow", MonitorAlertWindow),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"Devices:{name} is {value:c}; it must be positive";
            }
        }

        if (MaxScansPerMinute < 1)
        {
            yield return $"Devices:MaxScansPerMinute is {MaxScansPerMinute}; it must be at least 1";
        }

        if (!double.IsFinite(TravelSlackKm) || TravelSlackKm < 0)
        {
            yield return $"Devices:TravelSlackKm is {TravelSlackKm}; give a distance of 0 km or more";
        }

        foreach (var (type, kmh) in MaxSpeedKmh)
        {
            if (type != DefaultSpeed && !stationTypes.Contains(type))
            {
                yield return $"Devices:MaxSpeedKmh:{type} names no station type; use {string.Join(", ", stationTypes)} or {DefaultSpeed}";
            }
            else if (!double.IsFinite(kmh) || kmh <= 0)
            {
                yield return $"Devices:MaxSpeedKmh:{type} is {kmh}; give a speed above 0 km/h";
            }
        }
    }
}
