using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// A RabbitMQ node of a test's own (the Debian package scripts/infra.sh installs), for tests that
/// stop and restart the broker without disturbing the shared one. Closed like the shared one: no guest
/// user, a user "tracktrace" with a generated password, its files readable by their owner only.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _home;
    private readonly string _password;
    private readonly Dictionary<string, string> _environment;

    private PrivateRabbitMq(string home, int port, string password, Dictionary<string, string> environment)
    {
        _home = home;
        Port = port;
        _password = password;
        _environment = environment;
    }

    public int Port { get; }

    public Uri Uri => new($"amqp://tracktrace:{_password}@127.0.0.1:{Port}/");

    public static async Task<PrivateRabbitMq> StartAsync()
    {
        var home = Path.Combine(Path.GetTempPath(), "tt-rabbit-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home, OwnerOnly);
        Directory.CreateDirectory(Path.Combine(home, "mnesia"));
        Directory.CreateDirectory(Path.Combine(home, "log"));
        var port = FreePort();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        // A new node creates this user instead of guest.
        var config = Path.Combine(home, "rabbitmq.conf");
        await File.WriteAllTextAsync(config,
            $"listeners.tcp.default = 127.0.0.1:{port}\n" +
            $"default_user = tracktrace\ndefault_pass = {password}\n" +
            "default_permissions.configure = .*\ndefault_permissions.write = .*\ndefault_permissions.read = .*\n");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(Path.Combine(home, "enabled_plugins"), "[].\n");
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["RABBITMQ_NODENAME"] = $"tt{port}@localhost",
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(),
            ["RABBITMQ_DIST_PORT"] = FreePort().ToString(),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(home, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(home, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(home, "rabbit.pid"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(home, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(home, "enabled_plugins"),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
        var node = new PrivateRabbitMq(home, port, password, environment);
        await node.Run("rabbitmq-server", "-detached");
        await ServiceFixture.Eventually(async () => await node.TryRun("rabbitmq-diagnostics", "-q", "ping"),
            TimeSpan.FromSeconds(90), "the private RabbitMQ node to answer");
        await node.Run("rabbitmqctl", "await_startup", "--timeout", "90");
        return node;
    }

    /// <summary>Stops the broker application: connections drop and the port closes; the node stays.</summary>
    public Task StopBrokerAsync() => Run("rabbitmqctl", "stop_app");

    public Task StartBrokerAsync() => Run("rabbitmqctl", "start_app");

    public async ValueTask DisposeAsync()
    {
        await TryRun("rabbitmqctl", "shutdown");
        Directory.Delete(_home, recursive: true);
    }

    private async Task Run(string tool, params string[] args)
    {
        var (code, output) = await Execute(tool, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({code}): {output}");
        }
    }

    private async Task<bool> TryRun(string tool, params string[] args) => (await Execute(tool, args)).Code == 0;

    private async Task<(int Code, string Output)> Execute(string tool, string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, tool))
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
