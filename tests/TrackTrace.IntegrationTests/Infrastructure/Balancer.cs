using System.Diagnostics;
using System.Text;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// HAProxy (the Debian package; scripts/test.sh installs it as root) in front of service instances,
/// as scripts/cluster.sh and deploy/haproxy.cfg run it: TCP passthrough, each connection prefixed
/// with a PROXY v2 header and made from <see cref="SourceAddress"/>, the address the instances trust;
/// an instance counts as up while its /health answers.
/// </summary>
public sealed class Balancer : IAsyncDisposable
{
    /// <summary>The address HAProxy connects from; 127.0.0.1 stays a direct, untrusted client.</summary>
    public const string SourceAddress = "127.0.0.2";

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private Balancer(Process process, string directory, int port, int statsPort)
    {
        _process = process;
        _directory = directory;
        Address = new Uri($"https://localhost:{port}/");
        _statistics = new Uri($"http://127.0.0.1:{statsPort}/;csv");
    }

    private readonly Uri _statistics;

    /// <summary>Connections HAProxy has passed to each instance so far (its "stot"), by instance index.</summary>
    public async Task<long[]> ConnectionsPerInstanceAsync()
    {
        using var client = new HttpClient();
        var csv = await client.GetStringAsync(_statistics);
        return csv.Split('\n').Select(l => l.Split(','))
            .Where(f => f.Length > 7 && f[0] == "instances" && f[1].StartsWith("instance-", StringComparison.Ordinal))
            .OrderBy(f => int.Parse(f[1]["instance-".Length..]))
            .Select(f => long.Parse(f[7])).ToArray();
    }

    public Uri Address { get; }
    public string Output => _output.ToString();

    public static async Task<Balancer> StartAsync(IReadOnlyList<(int ApiPort, int HealthPort)> instances)
    {
        var executable = new[] { "/usr/sbin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("haproxy is not installed: apt-get install haproxy (scripts/test.sh does as root)");
        var directory = Path.Combine(Path.GetTempPath(), "tt-haproxy-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var port = PrivateRabbitMq.FreePort();
        var statsPort = PrivateRabbitMq.FreePort();
        var config = new StringBuilder($"""
            global
                maxconn 4000
            defaults
                mode tcp
                timeout connect 2s
                timeout client 5m
                timeout server 5m
                retries 3
                option redispatch
            frontend stats
                mode http
                bind 127.0.0.1:{statsPort}
                stats enable
                stats uri /
            frontend api
                bind 127.0.0.1:{port}
                default_backend instances
            backend instances
                balance roundrobin
                option httpchk
                http-check send meth GET uri /health
                default-server inter 500ms fall 2 rise 2 source {SourceAddress}

            """);
        for (var i = 0; i < instances.Count; i++)
        {
            config.AppendLine($"    server instance-{i} 127.0.0.1:{instances[i].ApiPort} send-proxy-v2 check port {instances[i].HealthPort}");
        }

        var path = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(path, config.ToString());
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-db", "-f", path })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var balancer = new Balancer(process, directory, port, statsPort);
        process.OutputDataReceived += (_, e) => balancer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => balancer.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ServiceFixture.Eventually(() =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"haproxy exited with {process.ExitCode}: {balancer.Output}");
                }

                using var client = new System.Net.Sockets.TcpClient();
                try
                {
                    client.Connect("127.0.0.1", port);
                    return Task.FromResult(true);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return Task.FromResult(false);
                }
            }, TimeSpan.FromSeconds(20), "haproxy to listen");
        }
        catch
        {
            await balancer.DisposeAsync();
            throw;
        }

        return balancer;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
