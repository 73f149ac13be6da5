using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Routes;
using Microsoft.Extensions.Configuration;

namespace TrackTrace.IntegrationTests.Skeleton;

/// <summary>A bad route file stops the service at start-up, naming the file, the field and the problem.</summary>
public sealed class StartupTests
{
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
