using System.CommandLine;
using System.Security.Authentication;
using TrackTrace.Cli.Demo;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Commands;

/// <summary><c>tracktrace demo</c>: drives a running service through the demo story (<see cref="DemoRun"/>).</summary>
internal static class DemoCommand
{
    public const string DefaultApi = "https://localhost:8443";
    public const string DefaultEnrollment = "https://localhost:8444";
    public const string DefaultPki = ".tracktrace/pki";

    public static Command Build()
    {
        var api = HttpsOption("--api", "Base URL of the service's mutual-TLS API", DefaultApi);
        var enrollment = HttpsOption("--enrollment", "Base URL of the service's EST enrollment listener, where the demo's scanners and sensors enroll", DefaultEnrollment);
        var pki = new Option<string>("--pki")
        {
            Description = "Directory holding ca.crt, ca.key, admin.crt and admin.key (scripts/run.sh makes them); " +
                          $"the staff device's {DemoRun.StaffFileName}.crt, .key and .p12 are written there",
            HelpName = "DIR",
            DefaultValueFactory = _ => DefaultPki,
        };

        var demo = new Command("demo", "Fill a running service with demo stations, devices and four shipment journeys")
        {
            api, enrollment, pki,
        };
        demo.SetGuardedAction(async (parseResult, stdout, ct) =>
        {
            var target = parseResult.GetRequiredValue(api);
            try
            {
                await DemoRun.RunAsync(target, parseResult.GetRequiredValue(enrollment), parseResult.GetRequiredValue(pki), stdout, ct);
                return ExitCodes.Success;
            }
            catch (PkiException e)
            {
                throw new PkiException($"{e.Message} (scripts/run.sh makes the development PKI in {DefaultPki})", e);
            }
            catch (HttpRequestException e) when (e.InnerException is AuthenticationException tls)
            {
                throw new DemoStepFailedException(
                    $"the TLS handshake with {target} failed: {tls.Message}; the service and {parseResult.GetRequiredValue(pki)} must share the CA " +
                    "(the service trusts the ca.crt it was started with and presents a server certificate signed by it)");
            }
            catch (HttpRequestException e)
            {
                throw new DemoStepFailedException($"cannot reach {target}: {e.Message}; is the service running? Start it with scripts/run.sh");
            }
        });
        return demo;
    }

    private static Option<Uri> HttpsOption(string name, string description, string fallback) => new(name)
    {
        Description = description,
        HelpName = "URL",
        DefaultValueFactory = _ => new Uri(fallback),
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? fallback : result.Tokens[^1].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps)
            {
                return uri;
            }

            result.AddError($"{name} must be an absolute https URL such as {fallback}, not '{text}'");
            return null;
        },
    };
}
