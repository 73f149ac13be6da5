using System.CommandLine;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Commands;

/// <summary><c>tracktrace ca init</c> creates the root; <c>tracktrace ca intermediate</c> the issuing CA it signs.</summary>
internal static class CaCommand
{
    public static Command Build()
    {
        var ca = new Command("ca", "Manage the root and issuing certificate authorities");
        ca.Subcommands.Add(BuildInit());
        ca.Subcommands.Add(BuildIntermediate());
        return ca;
    }

    private static Command BuildInit()
    {
        var output = CommonOptions.OutputDirectory(
            $"Directory to write {CertificateAuthority.CertificateFileName} and {CertificateAuthority.KeyFileName} (mode 600) into; created if missing");
        var name = Name(CertificateAuthority.DefaultName);
        var days = CommonOptions.Days(CertificateAuthority.DefaultDays);
        var rsa = CommonOptions.Rsa();
        var force = Force(CertificateAuthority.KeyFileName);

        var init = new Command("init", "Create a self-signed development CA")
        {
            output, name, days, rsa, force,
        };
        init.SetGuardedAction((parseResult, stdout) =>
        {
            using var authority = CertificateAuthority.Create(
                parseResult.GetRequiredValue(name),
                parseResult.GetValue(days),
                parseResult.GetValue(rsa));
            stdout.Report(authority.Save(parseResult.GetRequiredValue(output), overwrite: parseResult.GetValue(force)));
            return ExitCodes.Success;
        });
        return init;
    }

    private static Command BuildIntermediate()
    {
        var root = CommonOptions.RootDirectory();
        var output = CommonOptions.OutputDirectory(
            $"Directory to write {CertificateAuthority.IssuingCertificateFileName} and {CertificateAuthority.IssuingKeyFileName} (mode 600) into; created if missing");
        var name = Name(CertificateAuthority.DefaultIssuingName);
        var days = CommonOptions.Days(CertificateAuthority.DefaultIssuingDays);
        var rsa = CommonOptions.Rsa();
        var permittedDns = new Option<string[]>("--permitted-dns")
        {
            Description = "DNS subtree the issuing CA may issue names in (NameConstraints); repeat or list several. " +
                          "A device id with a dot is then checked as a host name",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = true,
        };
        permittedDns.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!NameConstraints.IsDnsSubtree(value))
                {
                    result.AddError($"--permitted-dns '{value}' is not a DNS name (letters, digits and hyphens in dot-separated labels, no wildcard)");
                }
            }
        });
        var force = Force(CertificateAuthority.IssuingKeyFileName);

        var intermediate = new Command("intermediate", "Create an issuing CA signed by the root (pathLen 0): the service signs device certificates with it")
        {
            root, output, name, days, rsa, permittedDns, force,
        };
        intermediate.SetGuardedAction((parseResult, stdout) =>
        {
            var rootDirectory = parseResult.GetRequiredValue(root);
            if (!File.Exists(Path.Combine(rootDirectory, CertificateAuthority.CertificateFileName))
                && File.Exists(Path.Combine(rootDirectory, CertificateAuthority.IssuingCertificateFileName)))
            {
                throw new PkiException(
                    $"'{rootDirectory}' holds an issuing CA, not a root ({CertificateAuthority.CertificateFileName}); an issuing CA is signed by the root");
            }

            using var authority = CertificateAuthority.Load(rootDirectory);
            using var issuing = authority.CreateIssuingAuthority(
                parseResult.GetRequiredValue(name),
                parseResult.GetValue(days),
                parseResult.GetValue(rsa),
                parseResult.GetValue(permittedDns));
            stdout.Report(issuing.Save(parseResult.GetRequiredValue(output), overwrite: parseResult.GetValue(force)));
            return ExitCodes.Success;
        });
        return intermediate;
    }

    private static Option<string> Name(string defaultName)
    {
        var name = new Option<string>("--name")
        {
            Description = "Common name of the CA",
            HelpName = "CN",
            DefaultValueFactory = _ => defaultName,
        };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value) || value.Length > CertificateProfile.MaxCommonNameLength || value.Any(char.IsControl))
            {
                result.AddError($"--name must be 1 to {CertificateProfile.MaxCommonNameLength} characters without control characters");
            }
        });
        return name;
    }

    private static Option<bool> Force(string keyFileName) => new("--force")
    {
        Description = $"Replace an existing {keyFileName} (every certificate it signed stops being trusted)",
    };
}
