using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace TrackTrace.Cli.Commands;

/// <summary>
/// The <c>tracktrace</c> command tree. <c>Program</c> only calls <see cref="RunAsync"/>; tests
/// call it in-process with their own writers. New commands are added in <see cref="BuildRootCommand"/>.
/// </summary>
public static class CliApplication
{
    public const string ExecutableName = "tracktrace";

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("TrackTrace tools: development CA, device and server certificates, device enrollment and renewal (EST), and the demo");
        root.Subcommands.Add(CaCommand.Build());
        root.Subcommands.Add(CertCommand.Build());
        root.Subcommands.Add(DeviceCommand.Build());
        root.Subcommands.Add(DemoCommand.Build());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. Returns <see cref="ExitCodes.Usage"/> (2) for a bad
    /// command line, <see cref="ExitCodes.Failure"/> (1) when the command fails, 0 otherwise; each
    /// error is one line on <paramref name="error"/> (stderr by default).
    /// </summary>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TextWriter? output = null,
        TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        output ??= Console.Out;
        error ??= Console.Error;

        try
        {
            return await ParseAndInvokeAsync(args, output, error, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Commands handle their own failures (CommandActions); this is the net for a bug in
            // parsing or validation, which still owes the user one line rather than a stack trace.
            error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static async Task<int> ParseAndInvokeAsync(
        IReadOnlyList<string> args,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        var parseResult = BuildRootCommand().Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            // System.CommandLine's own handler exits with 1 and prints the whole help; scripts
            // need 2 for bad usage, and a person needs the error first.
            foreach (var parseError in parseResult.Errors)
            {
                error.WriteLine($"error: {parseError.Message}");
            }

            error.WriteLine($"Run '{CommandPath(parseResult.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
        };
        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult current; result = current.Parent)
        {
            names.Insert(0, current.Command is RootCommand ? ExecutableName : current.Command.Name);
        }

        return string.Join(' ', names);
    }
}
