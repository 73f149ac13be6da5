using TrackTrace.Cli.Commands;

namespace TrackTrace.UnitTests.Cli;

internal sealed record CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The <c>name=value</c> lines a command prints about what it wrote.</summary>
    public IReadOnlyDictionary<string, string> Report =>
        StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);

    public override string ToString() => $"exit {ExitCode}\nstdout: {StandardOutput}\nstderr: {StandardError}";
}

/// <summary>Runs the tracktrace command tree in-process, as Program.cs does, with captured output.</summary>
internal static class Cli
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliApplication.RunAsync(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs and fails the test, with everything printed, unless the exit code is 0.</summary>
    public static async Task<CliResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"tracktrace {string.Join(' ', args)} failed: {result}");
        return result;
    }
}
