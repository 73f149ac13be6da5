using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.RabbitMq;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ are, and their credentials. scripts/infra.sh (run by
/// scripts/test.sh) writes them to .tracktrace/env (mode 600); they are read from the process
/// environment (a shell that sourced that file) or else from the file itself (TRACKTRACE_ENV_FILE,
/// or the checkout's .tracktrace/env). RabbitMQ comes from Testcontainers when a Docker engine answers,
/// otherwise from that local broker.
/// </summary>
public static class TestEnvironment
{
    private static readonly Lazy<Task<Uri>> Broker = new(StartBrokerAsync);
    private static readonly Lazy<IReadOnlyDictionary<string, string>> EnvFileSettings = new(ReadEnvFile);

    public static string PostgresAdmin => Setting("TRACKTRACE_POSTGRES");

    public static Task<Uri> BrokerUri => Broker.Value;

    /// <summary>The local broker scripts/infra.sh started (never a Testcontainers one).</summary>
    public static Uri LocalBrokerUri => new(Setting("TRACKTRACE_RABBITMQ"));

    /// <summary>The management API of <see cref="LocalBrokerUri"/>.</summary>
    public static Uri LocalManagementAddress => new(Setting("TRACKTRACE_RABBITMQ_MANAGEMENT"));

    /// <summary>The management API of <see cref="BrokerUri"/>.</summary>
    public static Uri ManagementAddress(Uri broker) => new($"http://{broker.Host}:{Setting("TRACKTRACE_RABBIT_MGMT_PORT")}/");

    /// <summary>The file the settings come from: the one a sourced env file names, else the checkout's.</summary>
    public static string EnvFilePath =>
        Environment.GetEnvironmentVariable("TRACKTRACE_ENV_FILE") is { Length: > 0 } named
            ? named
            : Path.Combine(RepositoryRoot, ".tracktrace", "env");

    /// <summary>The checkout the tests were built from (the folder holding TrackTrace.sln).</summary>
    public static string RepositoryRoot
    {
        get
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
    }

    /// <summary>A variable of .tracktrace/env: from the environment when it was sourced, else from the file.</summary>
    public static string Setting(string name)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
        {
            return value;
        }

        return EnvFileSettings.Value.TryGetValue(name, out var fromFile)
            ? fromFile
            : throw new InvalidOperationException(
                $"{name} is not set and not in {EnvFilePath}: run scripts/test.sh, or scripts/infra.sh start and " +
                "source .tracktrace/env (set -a; . .tracktrace/env; set +a)");
    }

    /// <summary>KEY="value" lines as scripts/infra.sh writes them; comments and blank lines skipped.</summary>
    private static IReadOnlyDictionary<string, string> ReadEnvFile()
    {
        var settings = new Dictionary<string, string>();
        if (!File.Exists(EnvFilePath))
        {
            return settings;
        }

        foreach (var line in File.ReadLines(EnvFilePath))
        {
            var equals = line.IndexOf('=');
            if (line.StartsWith('#') || equals <= 0)
            {
                continue;
            }

            settings[line[..equals].Trim()] = line[(equals + 1)..].Trim().Trim('"');
        }

        return settings;
    }

    /// <summary>A fresh database for one test class; the caller drops it.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "tt_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(PostgresAdmin);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"create database {name}", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresAdmin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A virtual host of its own per test class, so no two classes see each other's messages.</summary>
    public static async Task<Uri> CreateVirtualHostAsync()
    {
        var broker = await BrokerUri;
        var vhost = "tt-" + Guid.NewGuid().ToString("N")[..12];
        using var management = ManagementClient(broker);
        var created = await management.PutAsync($"api/vhosts/{vhost}", Json("{}"));
        created.EnsureSuccessStatusCode();
        var user = broker.UserInfo.Split(':')[0];
        var granted = await management.PutAsync($"api/permissions/{vhost}/{user}",
            Json("""{"configure":".*","write":".*","read":".*"}"""));
        granted.EnsureSuccessStatusCode();
        return new UriBuilder(broker) { Path = "/" + vhost }.Uri;
    }

    public static async Task DeleteVirtualHostAsync(Uri vhostUri)
    {
        using var management = ManagementClient(vhostUri);
        await management.DeleteAsync($"api/vhosts/{vhostUri.AbsolutePath.Trim('/')}");
    }

    /// <summary>The management API with the user and password of the broker URI (the same account as AMQP).</summary>
    public static HttpClient ManagementClient(Uri broker)
    {
        var client = new HttpClient { BaseAddress = ManagementAddress(broker) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(broker.UserInfo))));
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<Uri> StartBrokerAsync()
    {
        try
        {
            var container = new RabbitMqBuilder("rabbitmq:3.10-management")
                .WithPortBinding(15672, true).WithUsername("tracktrace")
                .WithPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(24))).Build();
            await container.StartAsync();
            Environment.SetEnvironmentVariable("TRACKTRACE_RABBIT_MGMT_PORT",
                container.GetMappedPublicPort(15672).ToString());
            return new Uri(container.GetConnectionString());
        }
        catch (Exception ex) when (ex is DockerUnavailableException or InvalidOperationException)
        {
            return LocalBrokerUri;
        }
    }
}
