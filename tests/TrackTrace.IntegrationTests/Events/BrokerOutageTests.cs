using System.Net;
using System.Text.Json;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Events;

/// <summary>RabbitMQ stops under a running service: scans are still accepted and every message arrives after it returns.</summary>
public sealed class BrokerOutageTests
{
    [Fact]
    public async Task With_the_broker_stopped_scans_are_accepted_health_is_degraded_and_all_messages_arrive_later()
    {
        await using var rabbit = await PrivateRabbitMq.StartAsync();
        var database = await TestEnvironment.CreateDatabaseAsync();
        try
        {
            await using var service = await ServiceInstance.StartAsync(database, rabbit.Uri);
            await using var probe = await BusProbe.StartAsync(rabbit.Uri);
            using var health = service.HealthClient();
            using var admin = service.Client(TestPki.Instance.Admin);
            var api = new AdminApi(admin);
            var factory = await api.RegisterStationAsync("factory");
            using var scanner = service.Client(await api.EnrollAsync("scanner", factory));
            var shipments = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                shipments.Add(await api.RegisterShipmentAsync("road-domestic"));
            }

            await HealthIs(health, "healthy");
            await rabbit.StopBrokerAsync();
            await HealthIs(health, "degraded");

            foreach (var shipment in shipments)
            {
                await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Created);
            }

            await rabbit.StartBrokerAsync();
            await ServiceFixture.Eventually(
                () => Task.FromResult(shipments.All(s => probe.All<StationCheckedIn>(m => m.ShipmentId == s).Count > 0)),
                TimeSpan.FromSeconds(90), "every check-in made while the broker was down");
            await HealthIs(health, "healthy");
        }
        finally
        {
            await TestEnvironment.DropDatabaseAsync(database);
        }
    }

    private static Task HealthIs(HttpClient health, string status) => ServiceFixture.Eventually(async () =>
    {
        var response = await health.GetAsync("/health");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return response.StatusCode == HttpStatusCode.OK && json.GetProperty("status").GetString() == status;
    }, TimeSpan.FromSeconds(90), $"health {status}");
}
