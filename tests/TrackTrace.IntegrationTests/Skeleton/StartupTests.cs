using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Routes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace TrackTrace.IntegrationTests.Skeleton;

/// <summary>
/// Bad configuration stops the service at start-up, naming what is wrong: a bad route file (the file, the
/// field and the problem), a RabbitMQ URI that is missing or would fall back on the guest account.
/// </summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData(null, "is not configured")]
    [InlineData("", "is not configured")]
    [InlineData("amqp://127.0.0.1:5672/", "names no user and password")]
    [InlineData("amqp://tracktrace@127.0.0.1:5672/", "names no user and password")]
    [InlineData("http://tracktrace:secret@127.0.0.1:5672/", "is not an amqp:// or amqps:// URI")]
    public void A_rabbitmq_uri_that_is_missing_or_has_no_credentials_stops_the_service(string? uri, string problem)
    {
        var error = Assert.Throws<OptionsValidationException>(() => TrackTraceApp.Build([], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody",
                ["RabbitMq:Uri"] = uri,
                ["Api:ServerCertificate"] = Infrastructure.TestPki.Instance.ServerCertificatePath,
                ["Api:ServerKey"] = Infrastructure.TestPki.Instance.ServerKeyPath,
                ["Api:ClientCertificateAuthorities:0"] = Infrastructure.TestPki.Instance.CaPath,
            })));
        Assert.Contains("RabbitMq:Uri", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("amqp://user:password@host:port/vhost", error.Message);
    }

    [Fact]
    public void The_shipped_settings_name_no_rabbitmq_account()
    {
        var shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json"));
        Assert.DoesNotContain("guest", shipped);
        Assert.Null(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            .Build()["RabbitMq:Uri"]);
    }

    [Fact]
    public void A_bad_workflow_file_stops_the_service_naming_file_field_and_problem()
    {
        var dir = Directory.CreateTempSubdirectory("tt-workflows-").FullName;
        try
        {
            var shipped = Path.Combine(AppContext.BaseDirectory, "workflows");
            File.Copy(Path.Combine(shipped, "station-types.yaml"), Path.Combine(dir, "station-types.yaml"));
            File.WriteAllText(Path.Combine(dir, "broken.yaml"), "id: broken\nlegs:\n  - type: factory\n  - type: teleporter\n");

            var error = Assert.Throws<RouteDefinitionException>(() => TrackTraceApp.Build([], builder =>
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody",
                    ["Workflows:Directory"] = dir,
                    ["Api:ServerCertificate"] = Infrastructure.TestPki.Instance.ServerCertificatePath,
                    ["Api:ServerKey"] = Infrastructure.TestPki.Instance.ServerKeyPath,
                    ["Api:ClientCertificateAuthorities:0"] = Infrastructure.TestPki.Instance.CaPath,
                })));
            Assert.Contains("broken.yaml", error.Message);
            Assert.Contains("legs[1].type", error.Message);
            Assert.Contains("teleporter", error.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
