using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TrackTrace.IntegrationTests.Cluster;

/// <summary>
/// The scale-out shape, tested the way it fails: HAProxy in front of two instances, a three-node
/// RabbitMQ cluster, one PostgreSQL (<see cref="ClusterTopology"/>). An instance killed with SIGKILL,
/// a RabbitMQ node stopped, a suspension made on another instance than the one holding a scanner's
/// connection.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterTests(ClusterTopology topology, ITestOutputHelper output) : IClassFixture<ClusterTopology>
{
    [Fact]
    public async Task A_device_suspended_through_another_instance_is_refused_on_its_open_connection_and_on_every_instance()
    {
        var factory = await topology.Api.RegisterStationAsync("factory");
        var certificate = await topology.Api.EnrollAsync("scanner", factory);
        var deviceId = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
        var connections = new ClusterTopology.ConnectionCount();
        using var scanner = topology.Through(certificate, connections);
        var shipment = await topology.Api.RegisterShipmentAsync("road-domestic");
        var before = await topology.Balancer.ConnectionsPerInstanceAsync();
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Created);
        // Which instance holds the scanner's connection: the one HAProxy passed a new connection to.
        var after = await topology.Balancer.ConnectionsPerInstanceAsync();
        var serving = Enumerable.Range(0, after.Length).Single(i => after[i] > before[i]);
        var other = (serving + 1) % ClusterTopology.InstanceCount;

        using (var admin = topology.Direct(other, TestPki.Instance.Admin))
        {
            await ServiceFixture.Expect(await admin.PostAsJsonAsync($"/api/devices/{deviceId}/suspend", new { reason = "lost at the dock" }),
                HttpStatusCode.OK);
        }

        // The very next request, on the connection the serving instance holds open.
        var next = await ServiceFixture.ScanAsync(scanner, shipment);
        Assert.Equal(HttpStatusCode.Forbidden, next.StatusCode);
        Assert.Equal(1, connections.Opened);

        // And wherever a new connection lands: every instance directly, and the balancer again.
        for (var i = 0; i < ClusterTopology.InstanceCount; i++)
        {
            using var direct = topology.Direct(i, certificate);
            Assert.Equal(HttpStatusCode.Forbidden, (await ServiceFixture.ScanAsync(direct, shipment)).StatusCode);
        }

        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var fresh = topology.Through(certificate);
            Assert.Equal(HttpStatusCode.Forbidden, (await ServiceFixture.ScanAsync(fresh, shipment)).StatusCode);
        }
    }

    [Fact]
    public async Task Killing_an_instance_under_load_loses_no_accepted_scan_and_accepts_no_leg_twice()
    {
        await using var load = await ScanLoad.StartAsync(topology);
        try
        {
            await load.WaitForAcceptedAsync(30, TimeSpan.FromSeconds(60), "30 scans before the kill");
            await topology.KillAsync(1);
            var clock = Stopwatch.StartNew();
            var atKill = load.Accepted;
            await load.WaitForAcceptedAsync(atKill + 60, TimeSpan.FromSeconds(60), "60 more scans after the kill");
            output.WriteLine($"60 scans after the kill in {clock.Elapsed.TotalSeconds:0.0} s; {load.TransportErrors} broken connections retried");
            await load.StopAsync();
        }
        finally
        {
            await topology.RestoreAsync();
        }

        await AssertEveryAcceptedScanOnItsTimelineOnceAsync(load);
    }

    [Fact]
    public async Task Stopping_a_rabbitmq_node_under_load_keeps_scans_accepted_every_message_delivered_and_bus_suspensions_working()
    {
        // A follower of the suspend-device quorum queue. (Stopping its leader, node 0 here, left
        // rabbitmqctl stop_app/start_app hanging for minutes on the shared 2-core machine; not yet understood.)
        var leader = await topology.Rabbit.LeaderOfAsync("suspend-device");
        var stopped = Enumerable.Range(0, topology.Rabbit.Count).Last(i => i != leader);
        await using var load = await ScanLoad.StartAsync(topology);
        var sensor = ServiceFixture.NewId("sensor").ToLowerInvariant();
        await topology.Api.EnrollAsync("sensor", deviceId: sensor);
        try
        {
            await load.WaitForAcceptedAsync(15, TimeSpan.FromSeconds(60), "15 scans before the node stops");
            output.WriteLine($"{DateTime.UtcNow:T} stopping node {stopped} (the queue's leader is node {leader})");
            await topology.Rabbit.StopNodeAsync(stopped);
            output.WriteLine($"{DateTime.UtcNow:T} stopped");
            var atStop = load.Accepted;
            await load.WaitForAcceptedAsync(atStop + 30, TimeSpan.FromSeconds(60), "30 more scans with the node down");

            // The command goes to the two nodes still up, a majority of the quorum queue.
            await topology.SendSuspendAsync(sensor, "tamper alarm");
            output.WriteLine($"{DateTime.UtcNow:T} SuspendDevice sent");
            await ServiceFixture.Eventually(async () => await topology.DeviceStatusAsync(sensor) == "suspended",
                TimeSpan.FromSeconds(60), "SuspendDevice to suspend the sensor with one node down");
        }
        finally
        {
            await topology.Rabbit.StartNodeAsync(stopped);
            output.WriteLine($"{DateTime.UtcNow:T} node {stopped} started again");
        }

        await load.StopAsync();
        var accepted = load.Answers.Where(a => a.Status == HttpStatusCode.Created).ToArray();
        var shipments = load.Shipments.ToArray();
        await ServiceFixture.Eventually(() => Task.FromResult(
                accepted.All(a => topology.Probe.All<StationCheckedIn>(m => m.ScanId == a.ScanId).Count > 0) &&
                shipments.All(s => topology.Probe.All<ShipmentRegistered>(m => m.ShipmentId == s).Count > 0)),
            TimeSpan.FromSeconds(90), "a message for every accepted scan and every registration");

        // At least once: a message that came twice is the same message (same EventId, same content).
        foreach (var group in topology.Probe.All<StationCheckedIn>().GroupBy(m => m.EventId))
        {
            Assert.Single(group.Distinct());
        }

        output.WriteLine($"{accepted.Length} scans accepted, {load.TransportErrors} broken connections retried, " +
                         $"{topology.Probe.All<StationCheckedIn>().Count} StationCheckedIn received");
    }

    [Fact]
    public async Task Publishing_and_the_overdue_monitor_act_once_across_instances_and_carry_on_when_the_publisher_dies()
    {
        var holders = await ServiceFixture.Eventually(async () =>
            await topology.PublishingInstancesAsync() is { Length: 1 } h ? h : null, TimeSpan.FromSeconds(30), "one instance to publish");
        var publisher = holders[0];

        var batch = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            batch.Add(await topology.Api.RegisterShipmentAsync(ClusterTopology.QuickRoute));
        }

        foreach (var shipment in batch)
        {
            await WaitOverdueAsync(shipment, TimeSpan.FromSeconds(30));
        }

        // Registered after the batch was overdue: by the time it is, both instances have swept the batch again.
        var marker = await topology.Api.RegisterShipmentAsync(ClusterTopology.QuickRoute);
        await WaitOverdueAsync(marker, TimeSpan.FromSeconds(30));
        await topology.Probe.Single<CheckInOverdue>(m => m.ShipmentId == marker, "the marker's CheckInOverdue");
        foreach (var shipment in batch)
        {
            Assert.Single(await TimelineAsync(shipment), e => e.GetProperty("fact").GetString() == "check-in-overdue");
            await topology.Probe.Single<CheckInOverdue>(m => m.ShipmentId == shipment, "CheckInOverdue of the batch");
            Assert.Single(topology.Probe.All<CheckInOverdue>(m => m.ShipmentId == shipment));
            Assert.Single(topology.Probe.All<ShipmentRegistered>(m => m.ShipmentId == shipment));
        }

        try
        {
            await topology.KillAsync(publisher);
            var clock = Stopwatch.StartNew();
            var successor = await ServiceFixture.Eventually(async () =>
                    await topology.PublishingInstancesAsync() is { Length: 1 } h && h[0] != publisher ? h : null,
                TimeSpan.FromSeconds(30), "another instance to take over publishing");
            var takeover = clock.Elapsed;
            var late = await topology.Api.RegisterShipmentAsync(ClusterTopology.QuickRoute);
            await topology.Probe.Single<ShipmentRegistered>(m => m.ShipmentId == late, "a registration published by the successor");
            try
            {
                await WaitOverdueAsync(late, TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
                output.WriteLine(topology.Instance(successor[0]).Output);
                throw;
            }

            await topology.Probe.Single<CheckInOverdue>(m => m.ShipmentId == late, "the overdue published by the successor");
            output.WriteLine($"instance {successor[0]} took over publishing {takeover.TotalSeconds:0.0} s after instance {publisher} was killed; " +
                             $"overdue recorded and published {clock.Elapsed.TotalSeconds:0.0} s after the kill");
            Assert.True(takeover < TimeSpan.FromSeconds(15), $"publishing moved after {takeover}");
        }
        finally
        {
            await topology.RestoreAsync();
        }
    }

    private async Task WaitOverdueAsync(string shipment, TimeSpan within) =>
        await ServiceFixture.Eventually(async () =>
            (await TimelineAsync(shipment)).Any(e => e.GetProperty("fact").GetString() == "check-in-overdue"),
            within, $"{shipment} to be recorded overdue");

    private async Task<JsonElement[]> TimelineAsync(string shipment) =>
        (await ServiceFixture.Expect(await topology.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK))
        .EnumerateArray().ToArray();

    private async Task AssertEveryAcceptedScanOnItsTimelineOnceAsync(ScanLoad load)
    {
        var refused = load.Answers.Where(a => a.Status != HttpStatusCode.Created).ToArray();
        Assert.True(refused.Length == 0, "scans not accepted: " + string.Join("; ", refused.Take(3).Select(a => $"{(int)a.Status} {a.Body}")));
        foreach (var shipment in load.Answers.GroupBy(a => a.ShipmentId))
        {
            var checkIns = (await TimelineAsync(shipment.Key))
                .Where(e => e.GetProperty("fact").GetString() == "station-checked-in")
                .Select(e => (ScanId: e.GetProperty("data").GetProperty("scanId").GetGuid(), Leg: e.GetProperty("data").GetProperty("legNumber").GetInt32()))
                .ToArray();
            foreach (var answer in shipment)
            {
                Assert.Contains(checkIns, c => c.ScanId == answer.ScanId && c.Leg == answer.Leg);
            }

            Assert.Equal(checkIns.Length, checkIns.Select(c => c.Leg).Distinct().Count());
        }

        output.WriteLine($"{load.Answers.Count} scans accepted on {load.Shipments.Count} shipments, {load.TransportErrors} broken connections retried");
    }
}
