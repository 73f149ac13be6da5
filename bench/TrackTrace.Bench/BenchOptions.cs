namespace TrackTrace.Bench;

public sealed record BenchOptions(
    Uri Api, string Pki, string Postgres, int ServicePid, double StartToHealthyMs, string OutDirectory, string ReportPath,
    bool Quick, bool Epcis = false, bool Overdue = false, Uri? Enrollment = null, bool Monitoring = false, Uri? ApiOff = null,
    int ServiceOffPid = 0, Uri? Metrics = null, bool Telemetry = false, Uri? OtlpSink = null, bool Compare = false,
    bool Cluster = false, int SecondInstancePid = 0, Uri? BalancerStats = null)
{
    /// <summary>The devices that enroll all at once in the fleet scenario.</summary>
    public int Fleet => 10_000;

    /// <summary>How long each scenario warms up and then measures.</summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Quick ? 3 : 10);

    public TimeSpan Window => TimeSpan.FromSeconds(Quick ? 8 : 30);

    public int Shipments => Quick ? 24_000 : 60_000;

    public int FillerDevices => Quick ? 10_000 : 100_000;

    public static BenchOptions Parse(string[] args)
    {
        string? Optional(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        string Value(string name) => Optional(name) ?? throw new ArgumentException($"missing {name}");
        var postgres = Optional("--postgres") ?? Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")
            ?? throw new ArgumentException("missing --postgres (or ConnectionStrings__Postgres in the environment)");
        return new BenchOptions(new Uri(Value("--api")), Value("--pki"), postgres, int.Parse(Value("--service-pid")),
            double.Parse(Value("--start-to-healthy-ms"), System.Globalization.CultureInfo.InvariantCulture),
            Value("--out"), Value("--report"), args.Contains("--quick"), args.Contains("--epcis"), args.Contains("--overdue"),
            Optional("--enrollment") is { } enroll ? new Uri(enroll) : null, args.Contains("--monitoring"),
            Optional("--api-off") is { } off ? new Uri(off) : null, int.Parse(Optional("--service-off-pid") ?? "0"),
            Optional("--metrics") is { } metrics ? new Uri(metrics) : null, args.Contains("--telemetry"),
            Optional("--otlp-sink") is { } sink ? new Uri(sink) : null, args.Contains("--compare"),
            args.Contains("--cluster"), int.Parse(Optional("--second-instance-pid") ?? "0"),
            Optional("--balancer-stats") is { } stats ? new Uri(stats) : null);
    }
}
