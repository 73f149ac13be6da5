using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Skeleton;

/// <summary>
/// The servers scripts/infra.sh started are not open to every local user: PostgreSQL wants the generated
/// password (scram-sha-256, no trust rule) and its socket cannot be reached by another user, RabbitMQ has
/// no guest account, and the file holding the credentials is readable by its owner only.
/// </summary>
public sealed class LocalInfrastructureAccessTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                              UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task PostgreSQL_refuses_a_client_without_the_password_or_with_a_wrong_one()
    {
        var noPasswordFile = Path.GetTempFileName();
        try
        {
            var withoutPassword = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin)
            {
                Password = null, Passfile = noPasswordFile, Timeout = 5,
            };
            await using (var connection = new NpgsqlConnection(withoutPassword.ConnectionString))
            {
                var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
                Assert.Contains("password", refused.Message, StringComparison.OrdinalIgnoreCase);
            }

            var wrongPassword = new NpgsqlConnectionStringBuilder(withoutPassword.ConnectionString) { Password = "not-the-password" };
            await using (var connection = new NpgsqlConnection(wrongPassword.ConnectionString))
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
                Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
            }
        }
        finally
        {
            File.Delete(noPasswordFile);
        }
    }

    [Fact]
    public async Task PostgreSQL_authenticates_every_client_with_scram()
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
        await connection.OpenAsync();

        var methods = await Strings(connection,
            "select distinct coalesce(auth_method, 'unreadable: ' || error) from pg_hba_file_rules order by 1");
        Assert.Equal(["scram-sha-256"], methods);
        var stored = await Strings(connection, "select left(rolpassword, 14) from pg_authid where rolname = current_user");
        Assert.Equal(["SCRAM-SHA-256$"], stored);
    }

    [Fact]
    public async Task Another_local_user_cannot_reach_the_PostgreSQL_socket()
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
        await connection.OpenAsync();
        var folders = (await Strings(connection, "show unix_socket_directories"))[0]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var port = connection.Port;
        await connection.CloseAsync();

        // No folder at all means TCP only, which asks for the password (test above).
        foreach (var folder in folders)
        {
            var mode = File.GetUnixFileMode(folder);
            Assert.True((mode & GroupOrOther) == 0, $"socket folder {folder} is mode {Convert.ToString((int)mode, 8)}: other users may enter it");
            if (Environment.UserName != "root")
            {
                continue;
            }

            // As root we can be another user and try it: the trust setup of old let "nobody" in as postgres.
            var (code, output) = await Run("runuser", "-u", "nobody", "--", FindPostgresTool("psql"), "-X", "-w",
                "-h", folder, "-p", port.ToString(), "-U", "postgres", "-d", "postgres", "-tAc", "select 'reached-as-nobody'");
            Assert.NotEqual(0, code);
            Assert.DoesNotContain("reached-as-nobody", output);
            Assert.Contains("Permission denied", output);
        }
    }

    [Fact]
    public async Task RabbitMQ_refuses_guest_over_AMQP_and_the_management_API()
    {
        var broker = TestEnvironment.LocalBrokerUri;
        Assert.NotEqual("guest", Uri.UnescapeDataString(broker.UserInfo.Split(':')[0]));
        var asGuest = new ConnectionFactory
        {
            Uri = new UriBuilder(broker) { UserName = "guest", Password = "guest" }.Uri,
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        var refused = await Assert.ThrowsAsync<BrokerUnreachableException>(() => asGuest.CreateConnectionAsync());
        Assert.IsType<AuthenticationFailureException>(refused.InnerException);

        using var management = new HttpClient { BaseAddress = TestEnvironment.LocalManagementAddress };
        using var guest = new HttpRequestMessage(HttpMethod.Get, "api/whoami");
        guest.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await management.SendAsync(guest)).StatusCode);

        // The account of .tracktrace/env works for both, and may manage the broker (tests make vhosts with it).
        await using (var connection = await new ConnectionFactory { Uri = broker, AutomaticRecoveryEnabled = false }.CreateConnectionAsync())
        {
            Assert.True(connection.IsOpen);
        }

        using var ours = new HttpRequestMessage(HttpMethod.Get, "api/whoami");
        ours.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(broker.UserInfo))));
        var whoami = await management.SendAsync(ours);
        Assert.Equal(HttpStatusCode.OK, whoami.StatusCode);
        Assert.Contains("administrator", await whoami.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_credentials_files_are_readable_by_their_owner_only()
    {
        var envFile = TestEnvironment.EnvFilePath;
        Assert.True(File.Exists(envFile), $"{envFile} is missing: scripts/infra.sh start writes it");
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(envFile));
        var env = File.ReadAllText(envFile);
        Assert.Contains("Password=", env);
        Assert.DoesNotContain("guest", env);

        var state = Path.GetDirectoryName(envFile)!;
        foreach (var secret in new[] { "postgres.password", "rabbitmq.password", "pgpass" })
        {
            var path = Path.Combine(state, secret);
            Assert.True(File.Exists(path), $"{path} is missing");
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
        }

        // What a test reads is what the file says (the environment may come from it being sourced).
        Assert.Contains(TestEnvironment.PostgresAdmin, env);
        Assert.Contains(TestEnvironment.LocalBrokerUri.GetLeftPart(UriPartial.Authority), env);
    }

    private static async Task<List<string>> Strings(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static string FindPostgresTool(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists)
        ?? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending()
            .Select(dir => Path.Combine(dir, "bin", tool)).First(File.Exists);

    private static async Task<(int Code, string Output)> Run(string file, params string[] args)
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
        return (process.ExitCode, await output + await error);
    }
}
