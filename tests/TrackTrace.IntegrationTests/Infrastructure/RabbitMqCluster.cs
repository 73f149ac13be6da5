using System.Diagnostics;
using System.Security.Cryptography;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// Three RabbitMQ nodes of a test's own (the Debian package) joined into one cluster, on free ports
/// and with node names of their own, so they never meet the shared broker (its epmd is shared, which
/// is harmless). All nodes share one HOME, hence one Erlang cookie. Closed like the shared broker: no
/// guest, a user "tracktrace" with a generated password.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _home;
    private readonly string _password;
    private readonly Node[] _nodes;

    private sealed record Node(string Name, int Port, int DistPort);

    private RabbitMqCluster(string home, string password, Node[] nodes)
    {
        _home = home;
        _password = password;
        _nodes = nodes;
    }

    public int Count => _nodes.Length;

    /// <summary>host:port of every node, as RabbitMq:Nodes takes them.</summary>
    public IReadOnlyList<string> Nodes => _nodes.Select(n => $"127.0.0.1:{n.Port}").ToArray();

    /// <summary>The user's URI on the first node (the service fails over to <see cref="Nodes"/>).</summary>
    public Uri Uri => new($"amqp://tracktrace:{_password}@127.0.0.1:{_nodes[0].Port}/");

    public string NodeName(int index) => _nodes[index].Name;

    public static async Task<RabbitMqCluster> StartAsync(int count = 3)
    {
        var home = Path.Combine(Path.GetTempPath(), "tt-rabbit-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home, OwnerOnly);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var cookie = Path.Combine(home, ".erlang.cookie");
        // Written before any node boots: nodes starting together would each make their own.
        await File.WriteAllTextAsync(cookie, Convert.ToHexString(RandomNumberGenerator.GetBytes(20)));
        File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        await File.WriteAllTextAsync(Path.Combine(home, "enabled_plugins"), "[].\n");
        var tag = PrivateRabbitMq.FreePort();
        var nodes = Enumerable.Range(1, count)
            .Select(i => new Node($"tt{tag}-c{i}@localhost", PrivateRabbitMq.FreePort(), PrivateRabbitMq.FreePort())).ToArray();
        var cluster = new RabbitMqCluster(home, password, nodes);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var config = Path.Combine(home, $"c{i}.conf");
                await File.WriteAllTextAsync(config,
                    $"listeners.tcp.default = 127.0.0.1:{nodes[i].Port}\n" +
                    $"default_user = tracktrace\ndefault_pass = {password}\n" +
                    "default_permissions.configure = .*\ndefault_permissions.write = .*\ndefault_permissions.read = .*\n");
                File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                Directory.CreateDirectory(Path.Combine(home, "log", $"c{i}"));
            }

            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await cluster.Run(i, "rabbitmq-server", "-detached");
                await cluster.AwaitBootAsync(i);
            }));
            foreach (var i in Enumerable.Range(1, count - 1))
            {
                await cluster.Run(i, "rabbitmqctl", "stop_app");
                await cluster.Run(i, "rabbitmqctl", "join_cluster", nodes[0].Name);
                await cluster.Run(i, "rabbitmqctl", "start_app");
                await cluster.Run(i, "rabbitmqctl", "await_startup", "--timeout", "90");
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Stops the broker on one node (its connections drop, its port closes); the node stays in the cluster.</summary>
    public Task StopNodeAsync(int index) => Run(index, "rabbitmqctl", "stop_app");

    public async Task StartNodeAsync(int index)
    {
        await Run(index, "rabbitmqctl", "start_app");
        await Run(index, "rabbitmqctl", "await_startup", "--timeout", "90");
    }

    /// <summary>Which node leads a quorum queue, as its index; asked of a running node.</summary>
    public async Task<int> LeaderOfAsync(string queue, int askNode = 0)
    {
        var (_, output) = await Execute(askNode, "rabbitmqctl", ["-q", "list_queues", "name", "leader"]);
        var line = output.Split('\n').Select(l => l.Split('\t', ' ')).FirstOrDefault(f => f.Length >= 2 && f[0] == queue)
            ?? throw new InvalidOperationException($"queue {queue} not found: {output}");
        return Array.FindIndex(_nodes, n => n.Name == line[^1].Trim());
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Enumerable.Range(0, _nodes.Length).Select(i => TryRun(i, "rabbitmqctl", "shutdown")));
        Directory.Delete(_home, recursive: true);
    }

    private async Task AwaitBootAsync(int i)
    {
        await ServiceFixture.Eventually(async () => await TryRun(i, "rabbitmq-diagnostics", "-q", "ping"),
            TimeSpan.FromSeconds(120), $"RabbitMQ node {_nodes[i].Name} to answer");
        await Run(i, "rabbitmqctl", "await_startup", "--timeout", "120");
    }

    private async Task Run(int node, string tool, params string[] args)
    {
        var (code, output) = await Execute(node, tool, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} on {_nodes[node].Name} failed ({code}): {output}");
        }
    }

    private async Task<bool> TryRun(int node, string tool, params string[] args) => (await Execute(node, tool, args)).Code == 0;

    private async Task<(int Code, string Output)> Execute(int node, string tool, string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var n = _nodes[node];
        start.Environment["HOME"] = _home;
        start.Environment["RABBITMQ_NODENAME"] = n.Name;
        start.Environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        start.Environment["RABBITMQ_NODE_PORT"] = n.Port.ToString();
        start.Environment["RABBITMQ_DIST_PORT"] = n.DistPort.ToString();
        start.Environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_home, "mnesia");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(_home, "log", $"c{node}");
        start.Environment["RABBITMQ_PID_FILE"] = Path.Combine(_home, $"c{node}.pid");
        start.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(_home, $"c{node}.conf");
        start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_home, "enabled_plugins");
        start.Environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        start.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{tool} {string.Join(' ', args)} still running after 150 s");
        }

        return (process.ExitCode, await output + await error);
    }
}
