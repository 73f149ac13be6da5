using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using TrackTrace.Domain.Devices;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Commands;

/// <summary>
/// <c>tracktrace cert issue</c> and <c>tracktrace cert server</c>: certificates signed by the CA in
/// <c>--ca</c>, its issuing CA when the folder holds one.
/// </summary>
internal static class CertCommand
{
    public static Command Build()
    {
        var cert = new Command("cert", "Issue certificates signed by the issuing CA or the root");
        cert.Subcommands.Add(BuildIssue());
        cert.Subcommands.Add(BuildServer());
        return cert;
    }

    private static Command BuildIssue()
    {
        var ca = CommonOptions.IssuerDirectory();
        var device = new Option<string>("--device")
        {
            Description = $"Device id, the certificate's CN and file name ({DeviceId.Pattern})",
            HelpName = "ID",
            Required = true,
        };
        device.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!DeviceId.IsValid(value))
            {
                result.AddError(DeviceId.Describe(value));
            }
        });
        var csr = new Option<string>("--csr")
        {
            Description = "A PKCS#10 request (PEM, DER or base64 DER) made on the device: certify its key, write only ID.crt. " +
                          "Without it the key is made here, for development only",
            HelpName = "FILE",
        };
        var output = CommonOptions.OutputDirectory("Directory to write ID.crt (and, without --csr, ID.key, mode 600) into; created if missing");
        var days = CommonOptions.OptionalDays(
            $"Validity in days (default {CertificateAuthority.DefaultDeviceLifetime.TotalDays:0} with --csr, {CertificateProfile.DefaultLeafDays} without)");
        var rsa = CommonOptions.Rsa();

        var issue = new Command(
            "issue",
            "Issue a device's client certificate (EKU clientAuth only): for the key in --csr, or, for development only, with a key made here")
        {
            ca, device, csr, output, days, rsa,
        };
        issue.Validators.Add(result =>
        {
            if (result.GetResult(csr) is { Tokens.Count: > 0 } && result.GetResult(rsa) is { Implicit: false })
            {
                result.AddError("--rsa chooses the key made here; with --csr the device's key is certified as it is");
            }
        });
        issue.SetGuardedAction((parseResult, stdout) =>
        {
            var deviceId = parseResult.GetRequiredValue(device);
            var requestPath = parseResult.GetValue(csr);
            var outputDirectory = parseResult.GetRequiredValue(output);
            using var authority = CertificateAuthority.LoadIssuer(parseResult.GetRequiredValue(ca));
            if (requestPath is null)
            {
                using var developmentCertificate = authority.IssueClientCertificate(
                    deviceId, parseResult.GetValue(days) ?? CertificateProfile.DefaultLeafDays, parseResult.GetValue(rsa));
                stdout.Report(PemFiles.WriteCertificateAndKey(outputDirectory, deviceId, developmentCertificate));
                stdout.WriteLine($"issuer={authority.Certificate.Subject}");
                return ExitCodes.Success;
            }

            var request = CertificateSigningRequest.ReadFile(requestPath);
            var lifetime = parseResult.GetValue(days) is { } n ? TimeSpan.FromDays(n) : CertificateAuthority.DefaultDeviceLifetime;
            using var certificate = authority.IssueDeviceCertificate(request, deviceId, lifetime);
            var certificatePath = Path.GetFullPath(Path.Combine(outputDirectory, deviceId + ".crt"));
            PemFiles.WriteCertificate(certificatePath, certificate);
            stdout.WriteLine($"certificate={certificatePath}");
            stdout.WriteLine($"sha256={Fingerprint.Sha256Hex(certificate)}");
            stdout.WriteLine($"public-key-sha256={request.PublicKeyFingerprint}");
            stdout.WriteLine($"key-algorithm={request.KeyDescription}");
            stdout.WriteLine($"issuer={authority.Certificate.Subject}");
            return ExitCodes.Success;
        });
        return issue;
    }

    private static Command BuildServer()
    {
        var ca = CommonOptions.IssuerDirectory();
        var dns = new Option<string[]>("--dns")
        {
            Description = "DNS name for the subjectAltName; repeat for more. The first one is also the CN",
            HelpName = "NAME",
        };
        dns.Validators.Add(result =>
        {
            foreach (var name in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!IsDnsName(name))
                {
                    result.AddError($"'{name}' is not a DNS name");
                }
            }
        });
        var ip = new Option<IPAddress[]>("--ip")
        {
            Description = "IP address for the subjectAltName; repeat for more",
            HelpName = "ADDRESS",
            CustomParser = ParseIpAddresses,
        };
        var output = CommonOptions.OutputDirectory("Directory to write NAME.crt and NAME.key (mode 600) into; created if missing");
        var name = new Option<string>("--name")
        {
            Description = "Base name of the files written",
            HelpName = "NAME",
            DefaultValueFactory = _ => "server",
        };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!DeviceId.IsValid(value))
            {
                result.AddError($"--name '{value}' is not a safe file name ({DeviceId.Pattern})");
            }
        });
        var days = CommonOptions.Days(CertificateProfile.DefaultLeafDays);
        var rsa = CommonOptions.Rsa();

        var server = new Command("server", "Issue a TLS server certificate (EKU serverAuth only)")
        {
            ca, dns, ip, output, name, days, rsa,
        };
        server.Validators.Add(result =>
        {
            // Look at the tokens, not the values: GetValue throws when an --ip failed to parse.
            if (result.GetResult(dns) is not { Tokens.Count: > 0 } && result.GetResult(ip) is not { Tokens.Count: > 0 })
            {
                result.AddError("give at least one --dns or --ip for the subjectAltName");
            }
        });
        server.SetGuardedAction((parseResult, stdout) =>
        {
            using var authority = CertificateAuthority.LoadIssuer(parseResult.GetRequiredValue(ca));
            using var certificate = authority.IssueServerCertificate(
                parseResult.GetValue(dns) ?? [],
                parseResult.GetValue(ip) ?? [],
                parseResult.GetValue(days),
                parseResult.GetValue(rsa));
            stdout.Report(PemFiles.WriteCertificateAndKey(
                parseResult.GetRequiredValue(output), parseResult.GetRequiredValue(name), certificate));
            stdout.WriteLine($"issuer={authority.Certificate.Subject}");
            return ExitCodes.Success;
        });
        return server;
    }

    private static IPAddress[] ParseIpAddresses(System.CommandLine.Parsing.ArgumentResult result)
    {
        var addresses = new List<IPAddress>();
        foreach (var token in result.Tokens)
        {
            // IPAddress.TryParse also takes "1" or "127.1"; a SAN typo should not pass as 0.0.0.1.
            if (IPAddress.TryParse(token.Value, out var address)
                && (address.AddressFamily != AddressFamily.InterNetwork || token.Value.Count(c => c == '.') == 3))
            {
                addresses.Add(address);
            }
            else
            {
                result.AddError($"'{token.Value}' is not an IP address");
            }
        }

        return [.. addresses];
    }

    private static bool IsDnsName(string name) =>
        Uri.CheckHostName(name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name) == UriHostNameType.Dns;
}
