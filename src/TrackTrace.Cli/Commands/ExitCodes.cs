namespace TrackTrace.Cli.Commands;

/// <summary>Process exit codes; scripts rely on them.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and failed (missing file, refused overwrite, unreadable key, ...).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong (unknown option, missing value, invalid device id, ...).</summary>
    public const int Usage = 2;
}
