using TrackTrace.Cli.Commands;

return await CliApplication.RunAsync(args);
