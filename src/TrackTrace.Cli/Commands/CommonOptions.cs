using System.CommandLine;
using System.CommandLine.Parsing;
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

    /// <summary>The folder of the CA that signs: its issuing CA when there is one (see <see cref="CertificateAuthority.LoadIssuer"/>).</summary>
    public static Option<string> IssuerDirectory() => new("--ca")
    {
        Description = $"CA directory: {CertificateAuthority.IssuingCertificateFileName} and {CertificateAuthority.IssuingKeyFileName} sign when " +
                      $"{CertificateAuthority.IssuingKeyFileName} is there, else {CertificateAuthority.CertificateFileName} and {CertificateAuthority.KeyFileName}",
        HelpName = "DIR",
        Required = true,
    };

    /// <summary>The root's folder (<c>ca.crt</c>, <c>ca.key</c>).</summary>
    public static Option<string> RootDirectory() => new("--ca")
    {
        Description = $"Directory holding the root's {CertificateAuthority.CertificateFileName} and {CertificateAuthority.KeyFileName}",
        HelpName = "ROOTDIR",
        Required = true,
    };

    public static Option<int> Days(int defaultDays) => new("--days")
    {
        Description = "Validity in days",
        HelpName = "N",
        DefaultValueFactory = _ => defaultDays,
        CustomParser = result => ParseDays(result) ?? defaultDays,
    };

    /// <summary>--days whose default depends on other options: null when not given.</summary>
    public static Option<int?> OptionalDays(string description) => new("--days")
    {
        Description = description,
        HelpName = "N",
        CustomParser = ParseDays,
    };

    // Parse and range-check in one place: a validator calling GetValue would throw on "x".
    private static int? ParseDays(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[^1].Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= MaxDays)
        {
            return days;
        }

        result.AddError($"--days must be a whole number from 1 to {MaxDays}, not '{text}'");
        return null;
    }

    public static Option<bool> Rsa() => new("--rsa")
    {
        Description = "Use an RSA 3072 key instead of ECDSA P-256",
    };
}
