using System.CommandLine;
using System.Globalization;
using TrackTrace.Pki;

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
        Description = $"Directory holding {CertificateAuthority.CertificateFileName} and {CertificateAuthority.KeyFileName}",
        HelpName = "DIR",
        Required = true,
    };

    public static Option<int> Days(int defaultDays) => new("--days")
    {
        Description = "Validity in days",
        HelpName = "N",
        DefaultValueFactory = _ => defaultDays,

        // Parse and range-check in one place: a validator calling GetValue would throw on "x".
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return defaultDays;
            }

            var text = result.Tokens[^1].Value;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= MaxDays)
            {
                return days;
            }

            result.AddError($"--days must be a whole number from 1 to {MaxDays}, not '{text}'");
            return defaultDays;
        },
    };

    public static Option<bool> Rsa() => new("--rsa")
    {
        Description = "Use an RSA 3072 key instead of ECDSA P-256",
    };
}
