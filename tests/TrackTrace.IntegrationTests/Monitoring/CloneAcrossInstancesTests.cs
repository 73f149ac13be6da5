using System.Net;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Monitoring;

/// <summary>
/// Behind a load balancer the two halves of a clone reach two instances: each sees one address.
/// The sightings meet in PostgreSQL (a flush takes the certificate's row lock first, so the second
/// instance's flush sees the first's), and the device is suspended once, with one alert.
/// </summary>
public sealed class CloneAcrossInstancesTests(CloneAcrossInstancesTests.TwoInstances setup)
    : IClassFixture<CloneAcrossInstancesTests.TwoInstances>
{
    public sealed class TwoInstances : MonitoredService
    {
        public ServiceInstance Second { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Second = await ServiceInstance.StartAsync(ConnectionString, Broker, Settings);
        }

        public override async Task DisposeAsync()
        {
            await Second.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    [Fact]
    public async Task Instance_one_seeing_one_address_and_instance_two_the_other_suspend_the_device_once()
    {
        var (deviceId, _, certificate) = await setup.ScannerAsync();
        using var original = LoopbackSources.Client(setup.Service.ApiAddress, LoopbackSources.First, certificate);
        using var copy = LoopbackSources.Client(setup.Second.ApiAddress, LoopbackSources.Second, certificate);
        var start = DateTimeOffset.UtcNow;

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(copy, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        // Each instance has written its half before the original's next request.
        await setup.SeenAsync(deviceId, "127.0.0.1", start);
        await setup.SeenAsync(deviceId, "127.0.0.2", start);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);

        await ServiceFixture.Eventually(async () => await setup.StatusAsync(deviceId) == "suspended", what: "the suspension");
        var suspensions = (await setup.AuditAsync(deviceId)).Where(e => e.GetProperty("fact").GetString() == "suspended").ToArray();
        Assert.Equal("monitor:certificate-clone", Assert.Single(suspensions).GetProperty("by").GetString());

        // Instant on both instances.
        Assert.Equal(HttpStatusCode.Forbidden, (await ServiceFixture.ScanAsync(copy, await setup.Api.RegisterShipmentAsync("road-domestic"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ServiceFixture.ScanAsync(original, await setup.Api.RegisterShipmentAsync("road-domestic"))).StatusCode);
        Assert.Single(await ServiceFixture.Eventually(async () =>
            await setup.AlertsAsync("device-clone-suspected", deviceId) is { Length: > 0 } found ? found : null, what: "the alert"));
    }

    [Fact]
    public async Task Both_halves_in_flight_at_once_on_the_two_instances_are_caught()
    {
        var (deviceId, _, certificate) = await setup.ScannerAsync();
        using var original = LoopbackSources.Client(setup.Service.ApiAddress, LoopbackSources.First, certificate);
        using var copy = LoopbackSources.Client(setup.Second.ApiAddress, LoopbackSources.Second, certificate);
        var shipments = await setup.ShipmentsAsync(14);

        // Two devices with one key, both busy: their scans interleave on the two instances.
        var scans = shipments.Take(12).Select((s, i) => ServiceFixture.ScanAsync(i % 2 == 0 ? original : copy, s)).ToArray();
        var answers = await Task.WhenAll(scans);
        // The burst may fall as one half's scans all before the other's: a device that moved, not a clone.
        // Each half scanning once more after it makes the two spells overlap however the burst fell.
        var last = await ServiceFixture.ScanAsync(original, shipments[12]);
        var lastCopy = await ServiceFixture.ScanAsync(copy, shipments[13]);

        try
        {
            await ServiceFixture.Eventually(async () => await setup.StatusAsync(deviceId) == "suspended", what: "the suspension");
        }
        catch (TimeoutException timeout)
        {
            // Should it ever time out, say everything the two instances knew.
            throw new TimeoutException(
                $"{timeout.Message}. Answers (original even, copy odd): {string.Join(" ", answers.Select(a => (int)a.StatusCode))}, " +
                $"then {(int)last.StatusCode} {(int)lastCopy.StatusCode}. The device: {await setup.DeviceAsync(deviceId)}. " +
                $"Instance 1 logged: {string.Join(" | ", setup.Service.Log.Entries)}. Instance 2 logged: {string.Join(" | ", setup.Second.Log.Entries)}",
                timeout);
        }

        Assert.Single(await setup.AuditAsync(deviceId), e => e.GetProperty("fact").GetString() == "suspended");
        Assert.Single(await ServiceFixture.Eventually(async () =>
            await setup.AlertsAsync("device-clone-suspected", deviceId) is { Length: > 0 } found ? found : null, what: "the alert"));
    }
}
