using TrackTrace.Bench;

// Usage (scripts/bench.sh runs it): TrackTrace.Bench --api URL --pki DIR --postgres CONNECTION
//   --service-pid PID --start-to-healthy-ms N --out DIR --report BENCHMARKS.md [--quick]
var options = BenchOptions.Parse(args);
var run = new BenchRun(options);
var results = await run.RunAsync();
await Report.WriteAsync(options, results);
return 0;
