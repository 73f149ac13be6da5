using System.Diagnostics;
using System.Text;

namespace TrackTrace.IntegrationTests.Browser;

/// <summary>What the browser test needs on the machine; scripts/test.sh installs it as root.</summary>
public sealed record BrowserTools(string Repository, string Node, string Chromium)
{
    private const string Install =
        "scripts/test.sh installs them when run as root (apt-get install -y chromium libnss3-tools; npm ci --prefix tests/browser); " +
        "otherwise install them by hand";

    /// <summary>A script of tests/browser.</summary>
    public string Script(string name) => Path.Combine(Repository, "tests", "browser", name);

    public static BrowserTools Locate()
    {
        var repository = FindRepository();
        var missing = new List<string>();
        var node = OnPath("node");
        if (node is null)
        {
            missing.Add("node (Node.js 20 or later) on PATH");
        }

        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            missing.Add($"Chromium at {chromium} (Debian package chromium)");
        }

        if (OnPath("certutil") is null)
        {
            missing.Add("certutil on PATH (Debian package libnss3-tools), to let Chromium trust the test CA");
        }

        if (!File.Exists(Path.Combine(repository, "tests", "browser", "node_modules", "playwright-core", "package.json")))
        {
            missing.Add("tests/browser/node_modules/playwright-core (npm ci --prefix tests/browser)");
        }

        if (missing.Count > 0)
        {
            Assert.Fail($"The browser tests cannot run: missing {string.Join("; ", missing)}. {Install}.");
        }

        return new BrowserTools(repository, node!, chromium);
    }

    public async Task<(int ExitCode, string Output)> RunScriptAsync(
        string script, IDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Node)
        {
            WorkingDirectory = Path.GetDirectoryName(Script(script))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script(script));
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Append(output, $"killed after {timeout.TotalSeconds} s");
            return (-1, output.ToString());
        }

        process.WaitForExit(); // drains the redirected output
        return (process.ExitCode, output.ToString());
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TrackTrace.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no TrackTrace.sln above {AppContext.BaseDirectory}");
    }

    private static string? OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, command))
        .FirstOrDefault(File.Exists);
}
