using System.CommandLine;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Commands;

/// <summary><c>tracktrace ca init</c>: creates the development CA.</summary>
internal static class CaCommand
{
    public static Command Build()
    {
        var ca = new Command("ca", "Manage the development certificate authority");
        ca.Subcommands.Add(BuildInit());
        return ca;
    }

    private static Command BuildInit()
    {
        var output = CommonOptions.OutputDirectory(
            $"Directory to write {CertificateAuthority.CertificateFileName} and {CertificateAuthority.KeyFileName} (mode 600) into; created if missing");
        var name = new Option<string>("--name")
        {
            Description = "Common name of the CA",
            HelpName = "CN",
            DefaultValueFactory = _ => CertificateAuthority.DefaultName,
        };
        name.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--name must not be empty");
            }
        });
        var days = CommonOptions.Days(CertificateAuthority.DefaultDays);
        var rsa = CommonOptions.Rsa();
        var force = new Option<bool>("--force")
        {
            Description = $"Replace an existing {CertificateAuthority.KeyFileName} (every certificate it signed stops being trusted)",
        };

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
}
