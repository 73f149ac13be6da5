using System.CommandLine;
using System.Security.Authentication;
using TrackTrace.Cli.Enrollment;
using TrackTrace.Domain.Devices;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Commands;

/// <summary>
/// <c>tracktrace device enroll</c> and <c>tracktrace device renew</c>: what runs on a scanner, the
/// reference EST client (<see cref="DeviceEnrollment"/>).
/// </summary>
internal static class DeviceCommand
{
    public static Command Build()
    {
        var device = new Command("device", "On the device: enroll with a one-time token, renew before expiry (EST); the key never leaves it");
        device.Subcommands.Add(BuildEnroll());
        device.Subcommands.Add(BuildRenew());
        return device;
    }

    private static Command BuildEnroll()
    {
        var server = Server("The enrollment port, e.g. https://tracktrace.example.com:8444");
        var ca = Root();
        var deviceId = new Option<string>("--device")
        {
            Description = $"Device id the admin registered ({DeviceId.Pattern})",
            HelpName = "ID",
            Required = true,
        };
        deviceId.Validators.Add(result =>
        {
            if (!DeviceId.IsValid(result.GetValueOrDefault<string>()))
            {
                result.AddError(DeviceId.Describe(result.GetValueOrDefault<string>()));
            }
        });
        var token = new Option<string>("--token")
        {
            Description = "The one-time enrollment token the admin got for this device (or --token-file)",
            HelpName = "TOKEN",
        };
        var tokenFile = new Option<string>("--token-file")
        {
            Description = "A file holding the token (keeps it out of the process list)",
            HelpName = "FILE",
        };
        var output = CommonOptions.OutputDirectory("Directory to write ID.key (mode 600), ID.crt and ID-chain.pem into; created if missing");
        var rsa = CommonOptions.Rsa();
        var force = new Option<bool>("--force") { Description = "Replace an existing ID.key (the device gets a new identity)" };

        var enroll = new Command("enroll", "Make a key here, send its request with the one-time token, install the certificate once it chains to the root")
        {
            server, ca, deviceId, token, tokenFile, output, rsa, force,
        };
        enroll.Validators.Add(result =>
        {
            var given = (result.GetResult(token) is { Tokens.Count: > 0 } ? 1 : 0) + (result.GetResult(tokenFile) is { Tokens.Count: > 0 } ? 1 : 0);
            if (given != 1)
            {
                result.AddError("give the enrollment token with exactly one of --token and --token-file");
            }
        });
        enroll.SetGuardedAction(async (parseResult, stdout, ct) =>
        {
            var secret = parseResult.GetValue(token) ?? (await File.ReadAllTextAsync(parseResult.GetRequiredValue(tokenFile), ct)).Trim();
            var files = await Talking(parseResult.GetRequiredValue(server), () => DeviceEnrollment.EnrollAsync(
                parseResult.GetRequiredValue(server), parseResult.GetRequiredValue(ca), parseResult.GetRequiredValue(deviceId), secret,
                parseResult.GetRequiredValue(output), parseResult.GetValue(rsa), parseResult.GetValue(force), ct));
            Report(stdout, files);
            return ExitCodes.Success;
        });
        return enroll;
    }

    private static Command BuildRenew()
    {
        var server = Server("The mutual-TLS API, e.g. https://tracktrace.example.com:8443");
        var ca = Root();
        var certificate = new Option<string>("--cert") { Description = "The device's current certificate (PEM)", HelpName = "FILE", Required = true };
        var key = new Option<string>("--key") { Description = "Its private key (PEM)", HelpName = "FILE", Required = true };
        var output = CommonOptions.OutputDirectory(
            "Directory to write ID.key (mode 600), ID.crt and ID-chain.pem into, each replaced atomically; usually where they are now");
        var force = new Option<bool>("--force") { Description = "Renew even when more than a third of the lifetime is left" };

        var renew = new Command("renew", "Renew the certificate with a new key when less than a third of its lifetime is left (or --force)")
        {
            server, ca, certificate, key, output, force,
        };
        renew.SetGuardedAction(async (parseResult, stdout, ct) =>
        {
            using var current = PemFiles.ReadCertificateWithKey(parseResult.GetRequiredValue(certificate), parseResult.GetRequiredValue(key));
            var now = DateTimeOffset.UtcNow;
            if (!parseResult.GetValue(force) && !DeviceEnrollment.IsDue(current, now))
            {
                stdout.WriteLine("renewed=false");
                stdout.WriteLine($"not-after={current.NotAfter.ToUniversalTime():O}");
                stdout.WriteLine($"due-at={DeviceEnrollment.DueAt(current):O}");
                stdout.WriteLine($"renewal is not due: less than a third of the lifetime is left from {DeviceEnrollment.DueAt(current):O} (--force renews now)");
                return ExitCodes.Success;
            }

            var files = await Talking(parseResult.GetRequiredValue(server), () => DeviceEnrollment.RenewAsync(
                parseResult.GetRequiredValue(server), parseResult.GetRequiredValue(ca), current, parseResult.GetRequiredValue(output), ct));
            stdout.WriteLine("renewed=true");
            Report(stdout, files);
            return ExitCodes.Success;
        });
        return renew;
    }

    private static Option<Uri> Server(string description) => new("--server")
    {
        Description = description,
        HelpName = "URL",
        Required = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.PathAndQuery == "/")
            {
                return uri;
            }

            result.AddError($"--server must be an https URL of a host and port such as https://localhost:8444, not '{text}'");
            return null;
        },
    };

    private static Option<string> Root() => new("--ca")
    {
        Description = "The operator's root certificate (ca.crt): the server and what it issues are verified against it, and nothing else",
        HelpName = "ROOT.crt",
        Required = true,
    };

    /// <summary>Network failures as one line that says where and what to check.</summary>
    private static async Task<DeviceFiles> Talking(Uri server, Func<Task<DeviceFiles>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException tls)
        {
            throw new PkiException($"the TLS handshake with {server} failed: {tls.Message} (is --ca the root that signed the server's certificate?)", e);
        }
        catch (HttpRequestException e)
        {
            throw new PkiException($"cannot reach {server}: {e.Message}", e);
        }
    }

    private static void Report(TextWriter stdout, DeviceFiles files)
    {
        stdout.WriteLine($"certificate={files.CertificatePath}");
        stdout.WriteLine($"key={files.KeyPath}");
        stdout.WriteLine($"chain={files.ChainPath}");
        stdout.WriteLine($"sha256={files.Sha256}");
        stdout.WriteLine($"public-key-sha256={files.PublicKeySha256}");
        stdout.WriteLine($"key-algorithm={files.KeyAlgorithm}");
        stdout.WriteLine($"issuer={files.Issuer}");
        stdout.WriteLine($"not-after={files.NotAfter:O}");
    }
}
