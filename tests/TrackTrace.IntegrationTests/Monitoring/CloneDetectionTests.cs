using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using TrackTrace.Domain.Devices;
using TrackTrace.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TrackTrace.IntegrationTests.Monitoring;

/// <summary>
/// One certificate in use from two source addresses at once (127.0.0.1 and 127.0.0.2, each client
/// bound to its own): the device is suspended the way an admin would (audited monitor:certificate-clone,
/// both addresses in the reason), a device-clone-suspected alert is raised, the scans accepted before
/// stand, and an admin's resume lets it scan again without the old sightings suspending it anew.
/// A device whose address changes is left alone.
/// </summary>
public sealed class CloneDetectionTests(MonitoredService setup, ITestOutputHelper output) : IClassFixture<MonitoredService>
{
    private (HttpClient A, HttpClient B) TwoHolders(X509Certificate2 certificate) =>
        (LoopbackSources.Client(setup.Service.ApiAddress, LoopbackSources.First, certificate),
            LoopbackSources.Client(setup.Service.ApiAddress, LoopbackSources.Second, certificate));

    [Fact]
    public async Task A_certificate_in_use_from_two_addresses_at_once_suspends_its_device_until_an_admin_resumes_it()
    {
        var (deviceId, _, certificate) = await setup.ScannerAsync();
        var (original, copy) = TwoHolders(certificate);
        var shipments = await setup.ShipmentsAsync(7);

        // The original scans at the dock, the copy from elsewhere, the original again.
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, shipments[0]), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(copy, shipments[1]), HttpStatusCode.Created);
        var clock = Stopwatch.StartNew();
        var third = await ServiceFixture.ScanAsync(original, shipments[2]);
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);

        await ServiceFixture.Eventually(async () => await setup.StatusAsync(deviceId) == "suspended", what: "the clone's suspension");
        output.WriteLine($"suspended {clock.ElapsedMilliseconds} ms after the request that made the uses overlap (flush every 200 ms)");

        var suspension = (await setup.AuditAsync(deviceId)).Last();
        Assert.Equal("suspended", suspension.GetProperty("fact").GetString());
        Assert.Equal("monitor:certificate-clone", suspension.GetProperty("by").GetString());
        var reason = suspension.GetProperty("reason").GetString()!;
        Assert.Contains("127.0.0.1", reason);
        Assert.Contains("127.0.0.2", reason);
        // Raised right after the suspension, by the instance that suspended it.
        var alert = Assert.Single(await AlertsAsync(deviceId, 1));
        Assert.Contains("suspended", alert.GetProperty("title").GetString());

        // Refused from either address, on open connections too; what was accepted stands.
        Assert.Equal(HttpStatusCode.Forbidden, (await ServiceFixture.ScanAsync(original, shipments[3])).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ServiceFixture.ScanAsync(copy, shipments[3])).StatusCode);
        foreach (var accepted in shipments.Take(3))
        {
            var shipment = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{accepted}"), HttpStatusCode.OK);
            Assert.Equal("in-transit", shipment.GetProperty("status").GetString());
        }

        // A false positive is undone by a resume: the original scans on and is not suspended again.
        await setup.ResumeAsync(deviceId, "the copy was the test bench; it is switched off");
        var resumedAt = DateTimeOffset.UtcNow;
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, shipments[3]), HttpStatusCode.Created);
        await setup.SeenAsync(deviceId, "127.0.0.1", resumedAt);
        var later = DateTimeOffset.UtcNow;
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, shipments[4]), HttpStatusCode.Created);
        await setup.SeenAsync(deviceId, "127.0.0.1", later); // a later flush: the one before it has judged
        Assert.Equal("active", await setup.StatusAsync(deviceId));
        Assert.Single(await setup.AlertsAsync("device-clone-suspected", deviceId));

        // The copy at work again after the resume is a clone again.
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(copy, shipments[5]), HttpStatusCode.Created);
        await setup.SeenAsync(deviceId, "127.0.0.2", resumedAt);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, shipments[6]), HttpStatusCode.Created);
        await ServiceFixture.Eventually(async () => await setup.StatusAsync(deviceId) == "suspended", what: "the second suspension");
        Assert.Equal(2, (await AlertsAsync(deviceId, 2)).Length);
    }

    [Fact]
    public async Task A_clone_whose_suspension_fails_once_is_suspended_at_a_later_flush_without_another_request()
    {
        var (deviceId, _, certificate) = await setup.ScannerAsync();
        var (original, copy) = TwoHolders(certificate);
        var shipments = await setup.ShipmentsAsync(3);

        // The database refuses the first write to this device's stream, as in a failover: the suspension's.
        await using var failure = await FailingOnce.ArmAsync(setup.ConnectionString, Device.StreamKey(deviceId));
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, shipments[0]), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(copy, shipments[1]), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(original, shipments[2]), HttpStatusCode.Created);

        // Neither half sends another request: the clone found once is judged again until it is suspended.
        await ServiceFixture.Eventually(async () => await setup.StatusAsync(deviceId) == "suspended", what: "the suspension after the failed one");
        Assert.True(await failure.WritesSeenAsync() >= 2, "the first suspension was refused and a later one stored");
        var suspension = Assert.Single(await setup.AuditAsync(deviceId), e => e.GetProperty("fact").GetString() == "suspended");
        Assert.Equal("monitor:certificate-clone", suspension.GetProperty("by").GetString());
        Assert.Contains("suspended", Assert.Single(await AlertsAsync(deviceId, 1)).GetProperty("title").GetString());
    }

    /// <summary>A trigger on the event table that makes PostgreSQL refuse the first event of one stream, once (a sequence counts: it is not rolled back).</summary>
    private sealed class FailingOnce(string connectionString, string name) : IAsyncDisposable
    {
        public static async Task<FailingOnce> ArmAsync(string connectionString, string streamId)
        {
            var trigger = "fail_once_" + streamId.Replace('-', '_');
            var failing = new FailingOnce(connectionString, trigger);
            await failing.ExecuteAsync($"""
                create sequence tracktrace.{trigger};
                create function tracktrace.{trigger}() returns trigger language plpgsql as $f$
                begin
                  if new.stream_id = '{streamId}' then
                    if nextval('tracktrace.{trigger}') = 1 then
                      raise exception 'refused once by the test: the database went away';
                    end if;
                  end if;
                  return new;
                end $f$;
                create trigger {trigger} before insert on tracktrace.mt_events for each row execute function tracktrace.{trigger}();
                """);
            return failing;
        }

        public async Task<long> WritesSeenAsync()
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"select case when is_called then last_value else 0 end from tracktrace.{name}", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        public ValueTask DisposeAsync() => new(ExecuteAsync(
            $"drop trigger {name} on tracktrace.mt_events; drop function tracktrace.{name}(); drop sequence tracktrace.{name};"));

        private async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private Task<System.Text.Json.JsonElement[]> AlertsAsync(string deviceId, int count) => ServiceFixture.Eventually(async () =>
        await setup.AlertsAsync("device-clone-suspected", deviceId) is var found && found.Length >= count ? found : null,
        what: $"{count} device-clone-suspected alerts");

    [Fact]
    public async Task A_device_whose_address_changes_keeps_scanning()
    {
        var (deviceId, _, certificate) = await setup.ScannerAsync();
        var (before, after) = TwoHolders(certificate);
        var start = DateTimeOffset.UtcNow;

        for (var i = 0; i < 2; i++)
        {
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(before, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        }

        await setup.SeenAsync(deviceId, "127.0.0.1", start);
        // DHCP hands it a new address; from now on it uses only that one, within the clone window.
        before.Dispose();
        var moved = DateTimeOffset.UtcNow;
        for (var i = 0; i < 2; i++)
        {
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(after, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        }

        await setup.SeenAsync(deviceId, "127.0.0.2", moved);
        var last = DateTimeOffset.UtcNow;
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(after, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        await setup.SeenAsync(deviceId, "127.0.0.2", last);

        Assert.Equal("active", await setup.StatusAsync(deviceId));
        Assert.Empty(await setup.AlertsAsync("device-clone-suspected", deviceId));
        Assert.Equal(2, (await setup.DeviceAsync(deviceId)).GetProperty("sightings").GetArrayLength());
    }

    [Fact]
    public async Task An_admin_certificate_in_use_from_two_addresses_is_alerted_but_never_suspended_by_a_rule()
    {
        var deviceId = ServiceFixture.NewId("admin").ToLowerInvariant();
        var certificate = await setup.Api.EnrollAsync("admin", deviceId: deviceId);
        var (a, b) = TwoHolders(certificate);

        await ServiceFixture.Expect(await a.GetAsync("/api/devices"), HttpStatusCode.OK);
        await ServiceFixture.Expect(await b.GetAsync("/api/devices"), HttpStatusCode.OK);
        await ServiceFixture.Expect(await a.GetAsync("/api/devices"), HttpStatusCode.OK);

        var alerts = await ServiceFixture.Eventually(async () =>
            await setup.AlertsAsync("device-clone-suspected", deviceId) is { Length: > 0 } found ? found : null, what: "the admin clone alert");
        Assert.Contains("not suspended", Assert.Single(alerts).GetProperty("title").GetString());
        Assert.Equal("active", await setup.StatusAsync(deviceId));
    }
}
