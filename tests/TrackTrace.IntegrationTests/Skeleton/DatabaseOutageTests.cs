using System.Net;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Skeleton;

/// <summary>PostgreSQL stops under a running service: health says so, the service stays up and recovers.</summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task With_postgresql_stopped_health_is_503_naming_it_the_api_answers_503_and_both_recover()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        var broker = await TestEnvironment.CreateVirtualHostAsync();
        try
        {
            await using var service = await ServiceInstance.StartAsync(postgres.ConnectionString, broker);
            using var health = service.HealthClient();
            using var admin = service.Client(TestPki.Instance.Admin);
            await ServiceFixture.Expect(await admin.GetAsync("/api/workflows"), HttpStatusCode.OK);

            await postgres.StopServerAsync();
            var down = await ServiceFixture.Eventually(async () =>
            {
                var response = await health.GetAsync("/health");
                return response.StatusCode == HttpStatusCode.ServiceUnavailable
                    ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement
                    : (JsonElement?)null;
            }, what: "/health to report PostgreSQL down");
            Assert.Equal("unhealthy", down!.Value.GetProperty("checks").GetProperty("postgresql").GetProperty("status").GetString());

            var refused = await admin.GetAsync("/api/shipments");
            var problem = await ServiceFixture.Expect(refused, HttpStatusCode.ServiceUnavailable);
            Assert.EndsWith("/database-unavailable", problem.GetProperty("type").GetString());

            await postgres.StartServerAsync();
            await ServiceFixture.Eventually(async () => (await health.GetAsync("/health")).StatusCode == HttpStatusCode.OK,
                what: "/health to recover");
            await ServiceFixture.Expect(await admin.GetAsync("/api/shipments"), HttpStatusCode.OK);
        }
        finally
        {
            await TestEnvironment.DeleteVirtualHostAsync(broker);
        }
    }
}
