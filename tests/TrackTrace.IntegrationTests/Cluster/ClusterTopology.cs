using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MassTransit;
using Npgsql;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Cluster;

/// <summary>
/// The scale-out shape of scripts/cluster.sh, started by the tests themselves on ports of their own:
/// HAProxy in front of two service instances (separate processes, so one can be killed), a
/// three-node RabbitMQ cluster with quorum queues, and a database of their own on the shared
/// PostgreSQL. One topology for the whole class; a test that kills something starts it again.
/// </summary>
public sealed class ClusterTopology : IAsyncLifetime
{
    public const int InstanceCount = 2;

    /// <summary>A route whose first check-in is due two seconds after registration: overdue without waiting long.</summary>
    public const string QuickRoute = "cluster-quick";

    private readonly ServiceProcess?[] _instances = new ServiceProcess?[InstanceCount];
    private readonly (int Api, int Health)[] _ports = new (int, int)[InstanceCount];
    private string _workflows = "";

    public string ConnectionString { get; private set; } = "";
    public RabbitMqCluster Rabbit { get; private set; } = null!;
    public Balancer Balancer { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public AdminApi Api { get; private set; } = null!;
    public BusProbe Probe { get; private set; } = null!;

    public static string ApplicationName(int instance) => $"cluster-instance-{instance}";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestEnvironment.CreateDatabaseAsync();
        _workflows = Path.Combine(Path.GetTempPath(), "tt-workflows-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_workflows);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "workflows"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(_workflows, Path.GetFileName(file)));
        }

        await File.WriteAllTextAsync(Path.Combine(_workflows, QuickRoute + ".yaml"), $"""
            id: {QuickRoute}
            name: Quick, for the cluster tests
            legs:
              - type: factory
                expectedWithin: PT2S
              - type: destination
            """);
        Rabbit = await RabbitMqCluster.StartAsync();
        for (var i = 0; i < InstanceCount; i++)
        {
            _ports[i] = (PrivateRabbitMq.FreePort(), PrivateRabbitMq.FreePort());
        }

        // The first applies the schema alone.
        await StartInstanceAsync(0);
        await StartInstanceAsync(1);
        Balancer = await Balancer.StartAsync(_ports.Select(p => (p.Api, p.Health)).ToArray());
        Admin = Through(TestPki.Instance.Admin);
        Api = new AdminApi(Admin);
        Probe = await BusProbe.StartAsync(Rabbit.Uri, Rabbit.Nodes);
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (Probe is not null) await Probe.DisposeAsync();
        if (Balancer is not null) await Balancer.DisposeAsync();
        foreach (var instance in _instances)
        {
            if (instance is not null) await instance.DisposeAsync();
        }

        if (Rabbit is not null) await Rabbit.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(ConnectionString);
        Directory.Delete(_workflows, recursive: true);
    }

    public ServiceProcess Instance(int i) => _instances[i] ?? throw new InvalidOperationException($"instance {i} is not running");

    /// <summary>Starts instance i where the balancer expects it (again, after a kill).</summary>
    public async Task StartInstanceAsync(int i)
    {
        var environment = new Dictionary<string, string>
        {
            ["RabbitMq__QuorumQueues"] = "true",
            ["Api__ProxyProtocol__TrustedProxies__0"] = Balancer.SourceAddress,
            ["Shipments__OverdueCheckInterval"] = "00:00:01",
            ["Workflows__Directory"] = _workflows,
        };
        for (var n = 0; n < Rabbit.Nodes.Count; n++)
        {
            environment[$"RabbitMq__Nodes__{n}"] = Rabbit.Nodes[n];
        }

        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = ApplicationName(i) }.ConnectionString;
        _instances[i] = await ServiceProcess.StartAsync(connectionString, Rabbit.Uri, environment, _ports[i].Api, _ports[i].Health);
    }

    public async Task KillAsync(int i)
    {
        await Instance(i).DisposeAsync();
        _instances[i] = null;
    }

    /// <summary>Starts every instance that is not running, so the next test finds the whole topology.</summary>
    public async Task RestoreAsync()
    {
        for (var i = 0; i < InstanceCount; i++)
        {
            if (_instances[i] is null)
            {
                await StartInstanceAsync(i);
            }
        }
    }

    /// <summary>A client through the balancer; with <paramref name="connections"/> it counts the TCP connections it opens.</summary>
    public HttpClient Through(X509Certificate2 certificate, ConnectionCount? connections = null)
    {
        var handler = TrustedChannel.CreateHandler(TestPki.Instance.Ca, certificate);
        if (connections is not null)
        {
            handler.MaxConnectionsPerServer = 1;
            handler.ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                Interlocked.Increment(ref connections.Opened);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }

        return new HttpClient(handler) { BaseAddress = Balancer.Address, Timeout = TimeSpan.FromSeconds(20) };
    }

    /// <summary>A client straight to instance i (from 127.0.0.1: not the balancer, so no PROXY header).</summary>
    public HttpClient Direct(int i, X509Certificate2 certificate) => Instance(i).Client(certificate);

    /// <summary>The instances holding the async daemon's advisory lock (the one that publishes), by index.</summary>
    public async Task<int[]> PublishingInstancesAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select distinct a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid " +
            "where l.locktype = 'advisory' and a.datname = current_database()", connection);
        var holders = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var name = reader.GetString(0);
            for (var i = 0; i < InstanceCount; i++)
            {
                if (name == ApplicationName(i)) holders.Add(i);
            }
        }

        return holders.ToArray();
    }

    public async Task SendSuspendAsync(string deviceId, string reason)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
            cfg.Host(Rabbit.Uri, h => h.UseCluster(c => { foreach (var node in Rabbit.Nodes) c.Node(node); })));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.StartAsync(timeout.Token);
        try
        {
            // The exchange in front of the queue: declaring "queue:suspend-device" would ask for a classic
            // queue, which RabbitMQ refuses for the quorum queue that is there.
            var queue = await bus.GetSendEndpoint(new Uri("exchange:suspend-device"));
            await queue.Send(new SuspendDevice(Guid.NewGuid(), deviceId, reason, "cluster-test"), timeout.Token);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    public async Task<string?> DeviceStatusAsync(string deviceId) =>
        (await Admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/devices/{deviceId}")).GetProperty("status").GetString();

    public sealed class ConnectionCount
    {
        public int Opened;
    }
}
