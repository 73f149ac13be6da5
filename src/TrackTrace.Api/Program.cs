using TrackTrace.Api.Alerts;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Routes;

try
{
    await TrackTraceApp.Build(args).RunAsync();
    return 0;
}
catch (RouteDefinitionException ex)
{
    // A route the service cannot judge by must stop it, with what to fix and nothing else.
    Console.Error.WriteLine($"TrackTrace did not start: the route templates are not valid.{Environment.NewLine}{ex.Message}");
    return 1;
}
catch (InvalidSettingException ex)
{
    Console.Error.WriteLine($"TrackTrace did not start: a setting is not valid.{Environment.NewLine}{ex.Message}");
    return 1;
}
catch (WebhookConfigurationException ex)
{
    Console.Error.WriteLine($"TrackTrace did not start: the alert webhooks are not valid.{Environment.NewLine}{ex.Message}");
    return 1;
}
