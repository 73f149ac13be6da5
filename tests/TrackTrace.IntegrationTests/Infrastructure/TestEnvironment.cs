using System.Net.Http.Headers;
using System.Text;
using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.RabbitMq;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ are. scripts/test.sh starts both (scripts/infra.sh) and
/// exports TRACKTRACE_POSTGRES and TRACKTRACE_RABBITMQ. RabbitMQ comes from Testcontainers when a
/// Docker engine answers, otherwise from that local broker.
/// </summary>
public static class TestEnvironment
{
    private static readonly Lazy<Task<Uri>> Broker = new(StartBrokerAsync);

    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("TRACKTRACE_POSTGRES")
        ?? "Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres";

    public static Task<Uri> BrokerUri => Broker.Value;

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

    private static HttpClient ManagementClient(Uri broker)
    {
        var port = Environment.GetEnvironmentVariable("TRACKTRACE_RABBIT_MGMT_PORT") ?? "15672";
        var client = new HttpClient { BaseAddress = new Uri($"http://{broker.Host}:{port}/") };
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
                .WithPortBinding(15672, true).WithUsername("guest").WithPassword("guest").Build();
            await container.StartAsync();
            Environment.SetEnvironmentVariable("TRACKTRACE_RABBIT_MGMT_PORT",
                container.GetMappedPublicPort(15672).ToString());
            return new Uri(container.GetConnectionString());
        }
        catch (Exception ex) when (ex is DockerUnavailableException or InvalidOperationException)
        {
            return new Uri(Environment.GetEnvironmentVariable("TRACKTRACE_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:5672/");
        }
    }
}
