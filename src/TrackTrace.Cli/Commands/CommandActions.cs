using System.CommandLine;
using System.Security.Cryptography;
using TrackTrace.Cli.Demo;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Commands;

internal static class CommandActions
{
    /// <summary>
    /// Sets the command's action so that every failure becomes one human line on stderr and an
    /// exit code (<see cref="ExitCodes"/>), never a stack trace.
    /// </summary>
    public static void SetGuardedAction(this Command command, Func<ParseResult, TextWriter, int> body)
    {
        command.SetAction(parseResult =>
        {
            try
            {
                return body(parseResult, parseResult.InvocationConfiguration.Output);
            }
            catch (Exception e)
            {
                return Report(e, parseResult.InvocationConfiguration.Error);
            }
        });
    }

    /// <summary>The same for a command that talks to the network; cancellation (Ctrl-C) stops it with exit 1.</summary>
    public static void SetGuardedAction(this Command command, Func<ParseResult, TextWriter, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await body(parseResult, parseResult.InvocationConfiguration.Output, cancellationToken);
            }
            catch (Exception e)
            {
                return Report(e, parseResult.InvocationConfiguration.Error);
            }
        });
    }

    private static int Report(Exception e, TextWriter error)
    {
        switch (e)
        {
            case UsageException or ArgumentException:
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            case PkiException or IOException or UnauthorizedAccessException or CryptographicException or DemoStepFailedException:
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            case OperationCanceledException:
                error.WriteLine("error: cancelled");
                return ExitCodes.Failure;
            default:
                error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
                return ExitCodes.Failure;
        }
    }

    /// <summary>Prints what a command wrote as <c>name=value</c> lines, easy to read and to grep.</summary>
    public static void Report(this TextWriter output, WrittenFiles files)
    {
        output.WriteLine($"certificate={files.CertificatePath}");
        output.WriteLine($"key={files.KeyPath}");
        output.WriteLine($"sha256={files.Sha256Fingerprint}");
    }
}
