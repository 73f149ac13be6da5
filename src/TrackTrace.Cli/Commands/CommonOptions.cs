using System.CommandLine;

namespace TrackTrace.Cli.Commands;

/// <summary>Options shared by several commands, so they read and validate the same everywhere.</summary>
internal static class CommonOptions
{
    /// <summary>A hundred years: beyond that a date no longer fits X.509 comfortably, and it is surely a typo.</summary>
    private const int MaxDays = 36500;

    public static Option<string> OutputDirectory(string description) => new("--out")
    {
        Description = description,
        HelpName = "DIR",
        Required = true,
    };

    public static Option<string> CaDirectory() => new("--ca")
    {
        Description = $"Directory holding {Pki.CertificateAuthority.CertificateFileName} and {Pki.CertificateAuthority.KeyFileName}",
        HelpName = "DIR",
        Required = true,
    };

    public static Option<int> Days(int defaultDays)
    {
        var days = new Option<int>("--days")
        {
            Description = "Validity in days",
            HelpName = "N",
            DefaultValueFactory = _ => defaultDays,
        };
        days.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > MaxDays)
            {
                result.AddError($"--days must be between 1 and {MaxDays}, not {value}");
            }
        });
        return days;
    }

    public static Option<bool> Rsa() => new("--rsa")
    {
        Description = "Use an RSA 3072 key instead of ECDSA P-256",
    };
}
