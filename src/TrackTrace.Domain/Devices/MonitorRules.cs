namespace TrackTrace.Domain.Devices;

/// <summary>
/// The service's own monitoring rules, by the one name each is switched with
/// (<c>Devices:Monitoring:{rule}</c>), audited with (<c>monitor:{rule}</c>, see <see cref="By"/>) and
/// named in its alerts. A new rule adds its name here.
/// </summary>
public static class MonitorRules
{
    /// <summary>One certificate in use from two source addresses at once: suspend, alert.</summary>
    public const string CertificateClone = "certificate-clone";

    /// <summary>A scanner connecting from outside its station's allowed networks: alert.</summary>
    public const string OutsideNetwork = "outside-network";

    /// <summary>A scanner scanning faster than a person or a belt can: alert.</summary>
    public const string ScanRate = "scan-rate";

    /// <summary>A shipment checked in at two stations faster than the leg's mode can travel: anomaly, alert.</summary>
    public const string ImpossibleTravel = "impossible-travel";

    public static readonly IReadOnlyList<string> All = [CertificateClone, OutsideNetwork, ScanRate, ImpossibleTravel];

    /// <summary>The actor a rule acts as: audited as <c>monitor:{rule}</c>.</summary>
    public static Actor By(string rule) => new(ActorKind.Monitor, rule);
}
