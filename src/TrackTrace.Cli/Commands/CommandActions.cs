using System.CommandLine;
using System.Security.Cryptography;
using TrackTrace.Cli.Pki;

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
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                return body(parseResult, parseResult.InvocationConfiguration.Output);
            }
            catch (Exception e) when (e is UsageException or ArgumentException)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (Exception e) when (e is PkiException or IOException or UnauthorizedAccessException or CryptographicException)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
            catch (Exception e)
            {
                error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
                return ExitCodes.Failure;
            }
        });
    }

    /// <summary>Prints what a command wrote as <c>name=value</c> lines, easy to read and to grep.</summary>
    public static void Report(this TextWriter output, WrittenFiles files)
    {
        output.WriteLine($"certificate={files.CertificatePath}");
        output.WriteLine($"key={files.KeyPath}");
        output.WriteLine($"sha256={files.Sha256Fingerprint}");
    }
}
