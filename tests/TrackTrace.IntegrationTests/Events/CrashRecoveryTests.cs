using System.Net;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Events;

/// <summary>The service dies after committing facts and before publishing them: the messages leave after restart.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Facts_committed_before_a_kill_are_published_by_the_restarted_service()
    {
        var database = await TestEnvironment.CreateDatabaseAsync();
        var broker = await TestEnvironment.CreateVirtualHostAsync();
        // Nothing listens here: the first process commits but can never publish.
        var unreachable = new Uri($"amqp://tracktrace:unreachable@127.0.0.1:{PrivateRabbitMq.FreePort()}/");
        try
        {
            string shipment;
            await using (var first = await ServiceProcess.StartAsync(database, unreachable))
            {
                using var admin = first.Client(TestPki.Instance.Admin);
                var api = new AdminApi(admin);
                var factory = await api.RegisterStationAsync("factory");
                using var scanner = first.Client(await api.EnrollAsync("scanner", factory));
                shipment = await api.RegisterShipmentAsync("road-domestic");
                await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Created);
                await first.KillAsync();
            }

            await using var probe = await BusProbe.StartAsync(broker);
            await using var second = await ServiceProcess.StartAsync(database, broker);
            await probe.Single<ShipmentRegistered>(m => m.ShipmentId == shipment, "ShipmentRegistered after the restart");
            var checkedIn = await probe.Single<StationCheckedIn>(m => m.ShipmentId == shipment, "StationCheckedIn after the restart");
            Assert.Equal(1, checkedIn.LegNumber);
        }
        finally
        {
            await TestEnvironment.DeleteVirtualHostAsync(broker);
            await TestEnvironment.DropDatabaseAsync(database);
        }
    }
}
