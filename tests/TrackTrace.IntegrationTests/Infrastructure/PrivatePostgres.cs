using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL server of a test's own, for tests that stop and restart the database without
/// disturbing the shared one. Same binaries scripts/infra.sh uses; as root through runuser. Closed like
/// the shared one: a generated password, scram-sha-256 only, its socket in a folder of mode 700.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _root;
    private readonly string _password;

    private PrivatePostgres(string root, int port, string password)
    {
        _root = root;
        Port = port;
        _password = password;
    }

    public int Port { get; }

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={_password};Database=postgres;Timeout=3";

    private string Data => Path.Combine(_root, "data");

    public static async Task<PrivatePostgres> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "tt-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root, OwnerOnly);
        Directory.CreateDirectory(Path.Combine(root, "data"), OwnerOnly);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        // initdb reads the password from a file (never from its command line); removed right after.
        var passwordFile = Path.Combine(root, "initdb.pw");
        await File.WriteAllTextAsync(passwordFile, password + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (IsRoot)
        {
            await Run("chown", "-R", "postgres:postgres", root);
        }

        var pg = new PrivatePostgres(root, FreePort(), password);
        try
        {
            await pg.Tool("initdb", "-D", pg.Data, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}",
                "-E", "UTF8", "--locale=C.UTF-8");
        }
        finally
        {
            File.Delete(passwordFile);
        }

        await pg.StartServerAsync();
        return pg;
    }

    public Task StartServerAsync() => Tool("pg_ctl", "-D", Data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -k {_root} -c unix_socket_permissions=0700 -c fsync=off", "start");

    public Task StopServerAsync() => Tool("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServerAsync();
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }

        Directory.Delete(_root, recursive: true);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task Tool(string tool, params string[] args)
    {
        var path = FindTool(tool);
        return IsRoot ? Run("runuser", ["-u", "postgres", "--", path, .. args]) : Run(path, args);
    }

    private static string FindTool(string tool)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
        return onPath ?? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending()
            .Select(dir => Path.Combine(dir, "bin", tool)).First(File.Exists);
    }

    private static async Task Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
