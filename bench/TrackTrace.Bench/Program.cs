using TrackTrace.Bench;

// Usage (scripts/bench.sh runs it): TrackTrace.Bench --api URL --pki DIR [--postgres CONNECTION]
//   --service-pid PID --start-to-healthy-ms N --out DIR --report BENCHMARKS.md [--quick] [--enrollment URL]
// With --enrollment (the EST port) only the enrollment scenarios run (scripts/bench.sh --enrollment).
// Without --postgres the connection string (with its password) comes from ConnectionStrings__Postgres,
// the service's own variable, so it does not show on a command line.
var options = BenchOptions.Parse(args);
if (options.Enrollment is not null)
{
    var enrollment = await new EnrollmentRun(options).RunAsync();
    await Report.WriteEnrollmentAsync(options, enrollment);
    return 0;
}

var run = new BenchRun(options);
var results = await run.RunAsync();
await Report.WriteAsync(options, results);
return 0;
