using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using TrackTrace.Cli.Devices;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Commands;

/// <summary><c>tracktrace cert issue</c> and <c>tracktrace cert server</c>: certificates signed by the CA.</summary>
internal static class CertCommand
{
    public static Command Build()
    {
        var cert = new Command("cert", "Issue certificates signed by the development CA");
        cert.Subcommands.Add(BuildIssue());
        cert.Subcommands.Add(BuildServer());
        return cert;
    }

    private static Command BuildIssue()
    {
        var ca = CommonOptions.CaDirectory();
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
        var output = CommonOptions.OutputDirectory("Directory to write ID.crt and ID.key (mode 600) into; created if missing");
        var days = CommonOptions.Days(CertificateProfile.DefaultLeafDays);
        var rsa = CommonOptions.Rsa();

        var issue = new Command("issue", "Issue a device's client certificate (EKU clientAuth only)")
        {
            ca, device, output, days, rsa,
        };
        issue.SetGuardedAction((parseResult, stdout) =>
        {
            var deviceId = parseResult.GetRequiredValue(device);
            using var authority = CertificateAuthority.Load(parseResult.GetRequiredValue(ca));
            using var certificate = authority.IssueClientCertificate(deviceId, parseResult.GetValue(days), parseResult.GetValue(rsa));
            stdout.Report(PemFiles.WriteCertificateAndKey(parseResult.GetRequiredValue(output), deviceId, certificate));
            return ExitCodes.Success;
        });
        return issue;
    }

    private static Command BuildServer()
    {
        var ca = CommonOptions.CaDirectory();
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
            using var authority = CertificateAuthority.Load(parseResult.GetRequiredValue(ca));
            using var certificate = authority.IssueServerCertificate(
                parseResult.GetValue(dns) ?? [],
                parseResult.GetValue(ip) ?? [],
                parseResult.GetValue(days),
                parseResult.GetValue(rsa));
            stdout.Report(PemFiles.WriteCertificateAndKey(
                parseResult.GetRequiredValue(output), parseResult.GetRequiredValue(name), certificate));
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
