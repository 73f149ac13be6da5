using System.Net;
using System.Net.Http.Json;
using MassTransit;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Events;

/// <summary>Committed facts leave on RabbitMQ as contracts, each with its fact's id.</summary>
public sealed class EventsOutTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>, IAsyncLifetime
{
    private BusProbe _probe = null!;

    public async Task InitializeAsync() => _probe = await BusProbe.StartAsync(fixture.Broker);

    public async Task DisposeAsync() => await _probe.DisposeAsync();

    [Fact]
    public async Task Registration_check_ins_anomaly_delivery_and_device_changes_are_published()
    {
        var factory = await fixture.Api.RegisterStationAsync("factory");
        var truck = await fixture.Api.RegisterStationAsync("truck");
        var destination = await fixture.Api.RegisterStationAsync("destination");
        using var atFactory = fixture.Service.Client(await fixture.Api.EnrollAsync("scanner", factory));
        using var atTruck = fixture.Service.Client(await fixture.Api.EnrollAsync("scanner", truck));
        var destinationScannerId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        using var atDestination = fixture.Service.Client(await fixture.Api.EnrollAsync("scanner", destination, destinationScannerId));
        var shipment = await fixture.Api.RegisterShipmentAsync("road-domestic");

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(atFactory, shipment), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(atDestination, shipment), HttpStatusCode.Conflict);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(atTruck, shipment), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(atDestination, shipment), HttpStatusCode.Created);
        await ServiceFixture.Expect(await fixture.Admin.PostAsJsonAsync($"/api/devices/{destinationScannerId}/suspend",
            new { reason = "end of shift" }), HttpStatusCode.OK);
        await ServiceFixture.Expect(await fixture.Admin.PostAsJsonAsync($"/api/devices/{destinationScannerId}/resume",
            new { reason = "next shift" }), HttpStatusCode.OK);

        var registered = await _probe.Single<ShipmentRegistered>(m => m.ShipmentId == shipment, "ShipmentRegistered");
        Assert.Equal("road-domestic", registered.RouteId);
        await ServiceFixture.Eventually(() => Task.FromResult(_probe.All<StationCheckedIn>(m => m.ShipmentId == shipment).Count == 3),
            what: "three StationCheckedIn");
        var anomaly = await _probe.Single<OutOfSequenceScanDetected>(m => m.ShipmentId == shipment, "OutOfSequenceScanDetected");
        Assert.Equal(["truck"], anomaly.ExpectedStationTypes);
        await _probe.Single<AlertRaised>(m => m.ShipmentId == shipment && m.Type == "out-of-sequence", "the alert");
        await _probe.Single<ShipmentDelivered>(m => m.ShipmentId == shipment, "ShipmentDelivered");
        await _probe.Single<DeviceSuspended>(m => m.DeviceId == destinationScannerId, "DeviceSuspended");
        await _probe.Single<DeviceResumed>(m => m.DeviceId == destinationScannerId, "DeviceResumed");

        // Each message carries its fact's id as MessageId, so consumers can deduplicate.
        Assert.All(_probe.Received.Where(r => r.Message is StationCheckedIn c && c.ShipmentId == shipment),
            r => Assert.Equal(((StationCheckedIn)r.Message).EventId, r.MessageId));
    }

    [Fact]
    public async Task An_unknown_certificate_is_published_as_device_rejected()
    {
        var stranger = TestPki.Instance.Authority.IssueClientCertificate("stranger-" + Guid.NewGuid().ToString("N")[..6]);
        using var client = fixture.Service.Client(stranger);
        await ServiceFixture.Expect(await client.GetAsync("/api/workflows"), HttpStatusCode.Forbidden);
        var fingerprint = TrackTrace.Pki.Fingerprint.Sha256Hex(stranger);
        var rejected = await _probe.Single<DeviceRejected>(m => m.Detail.Contains(fingerprint), "DeviceRejected");
        Assert.Null(rejected.DeviceId);
    }

    [Fact]
    public async Task A_redelivered_SuspendDevice_changes_nothing_twice()
    {
        var deviceId = ServiceFixture.NewId("sensor").ToLowerInvariant();
        await fixture.Api.EnrollAsync("sensor", deviceId: deviceId);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(fixture.Broker));
        await bus.StartAsync();
        try
        {
            var queue = await bus.GetSendEndpoint(new Uri("queue:suspend-device"));
            var command = new SuspendDevice(Guid.NewGuid(), deviceId, "tamper alarm", "monitoring");
            await queue.Send(command);
            await queue.Send(command);
        }
        finally
        {
            await bus.StopAsync();
        }

        await _probe.Single<DeviceSuspended>(m => m.DeviceId == deviceId, "DeviceSuspended");
        var audit = await ServiceFixture.Expect(await fixture.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);
        Assert.Single(audit.EnumerateArray(), e => e.GetProperty("fact").GetString() == "suspended");
    }
}
