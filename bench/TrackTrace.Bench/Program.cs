using TrackTrace.Bench;

// Usage (scripts/bench.sh runs it): TrackTrace.Bench --api URL --pki DIR [--postgres CONNECTION]
//   --service-pid PID --start-to-healthy-ms N --out DIR --report BENCHMARKS.md [--quick]
//   [--epcis]: the EPCIS repository's scenarios instead (capture throughput, MATCH_anyEPC over 1M events)
//   [--monitoring --api-off URL --service-off-pid PID]: scans with detection on (--api) against off (--api-off), and clones
//   [--telemetry --api-off URL --service-off-pid PID --otlp-sink URL]: scans against a service exporting over OTLP (--api-off) and one not (--api)
//   [--overdue]: only the overdue monitor's scenario (OverdueBench), with its own table
//   [--cluster --second-instance-pid PID --balancer-stats URL]: scans through scripts/cluster.sh's balancer, two instances then one
//   [--enrollment URL]: only the EST enrollment scenarios against that port (EnrollmentRun), with their own table
// Without --postgres the connection string (with its password) comes from ConnectionStrings__Postgres,
// the service's own variable, so it does not show on a command line.
var options = BenchOptions.Parse(args);
if (options.Epcis)
{
    await Report.WriteEpcisAsync(options, await new EpcisBench(options).RunAsync());
    return 0;
}

if (options.Telemetry)
{
    await Report.WriteTelemetryAsync(options, await new TelemetryBench(options).RunAsync());
    return 0;
}

if (options.Cluster)
{
    await Report.WriteClusterAsync(options, await new ClusterBench(options).RunAsync());
    return 0;
}

if (options.Monitoring)
{
    await Report.WriteMonitoringAsync(options, await new MonitoringBench(options).RunAsync());
    return 0;
}

if (options.Enrollment is not null)
{
    await Report.WriteEnrollmentAsync(options, await new EnrollmentRun(options).RunAsync());
    return 0;
}

if (options.Overdue)
{
    await Report.WriteOverdueAsync(options, await new OverdueBench(options).RunAsync());
    return 0;
}

var run = new BenchRun(options);
var results = await run.RunAsync();
await Report.WriteAsync(options, results);
return 0;
