using TrackTrace.Api.Hosting;

await TrackTraceApp.Build(args).RunAsync();
