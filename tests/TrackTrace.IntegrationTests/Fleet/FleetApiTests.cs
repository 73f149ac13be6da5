using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Fleet;

/// <summary>What the Devices area of the staff page reads: the fleet in keyset pages, a device's activity, its live changes.</summary>
public sealed class FleetApiTests(ServiceFixture setup) : IClassFixture<ServiceFixture>
{
    private static async Task<(string[] Ids, string? Next)> PageAsync(HttpClient client, string address)
    {
        var response = await client.GetAsync(address);
        var body = await ServiceFixture.Expect(response, HttpStatusCode.OK);
        var next = response.Headers.TryGetValues("Link", out var links) ? links.Single() : null;
        return (body.EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()!).ToArray(), next);
    }

    [Fact]
    public async Task Pages_follow_the_next_link_through_the_whole_filtered_fleet_without_repeats_or_gaps()
    {
        var prefix = ServiceFixture.NewId("fleet").ToLowerInvariant();
        var station = await setup.Api.RegisterStationAsync("factory");
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var id = $"{prefix}-{i}";
            await setup.Api.EnrollAsync(i % 2 == 0 ? "scanner" : "sensor", i % 2 == 0 ? station : null, id);
            ids.Add(id);
        }

        var seen = new List<string>();
        string? address = $"/api/devices?q={prefix.ToUpperInvariant()}&limit=3";
        var pages = 0;
        while (address is not null)
        {
            var (page, next) = await PageAsync(setup.Admin, address);
            pages++;
            seen.AddRange(page);
            Assert.True(page.Length == 3 || next is null, $"a short page with a next link: {next}");
            address = next is null ? null : next[(next.IndexOf('<') + 1)..next.IndexOf('>')];
            Assert.True(address is null || address.Contains("q=") && address.Contains("limit=3"), $"the next link lost the filters: {address}");
        }

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);

        var (scanners, _) = await PageAsync(setup.Admin, $"/api/devices?q={prefix}&role=scanner&station={station}");
        Assert.Equal(ids.Where((_, i) => i % 2 == 0), scanners);
        var suspend = await setup.Admin.PostAsJsonAsync($"/api/devices/{ids[3]}/suspend", new { reason = "lost in the yard" });
        await ServiceFixture.Expect(suspend, HttpStatusCode.OK);
        var (suspended, _) = await PageAsync(setup.Admin, $"/api/devices?q={prefix}&status=suspended");
        Assert.Equal([ids[3]], suspended);
    }

    [Fact]
    public async Task Expiring_pages_go_by_expiry_then_id()
    {
        // Every certificate of the test CA expires later than a day from now, and within ten years.
        var (all, _) = await PageAsync(setup.Admin, "/api/devices?expiringWithin=P3650D&limit=1000");
        var seen = new List<string>();
        string? address = "/api/devices?expiringWithin=P3650D&limit=2";
        while (address is not null)
        {
            var (page, next) = await PageAsync(setup.Admin, address);
            seen.AddRange(page);
            address = next is null ? null : next[(next.IndexOf('<') + 1)..next.IndexOf('>')];
        }

        Assert.Equal(all, seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("after=not-a-token!", "after")]
    [InlineData("q=%25", "q")]
    [InlineData("role=driver", "role")]
    public async Task Bad_paging_and_filters_are_400_naming_the_parameter(string parameters, string field)
    {
        var problem = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices?{parameters}"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task A_cursor_of_the_id_order_is_refused_by_the_expiry_order()
    {
        await setup.Api.EnrollAsync("sensor");
        var (_, next) = await PageAsync(setup.Admin, "/api/devices?limit=1");
        Assert.NotNull(next);
        var token = next![(next.IndexOf("after=", StringComparison.Ordinal) + 6)..next.IndexOf('>')];
        var problem = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices?expiringWithin=P7D&after={token}"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("after", out _));
    }

    [Fact]
    public async Task A_scanner_s_activity_lists_its_scans_with_their_shipments_and_its_alerts_are_found_by_device()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var certificate = await setup.Api.EnrollAsync("scanner", station);
        var deviceId = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
        using var scanner = setup.Service.Client(certificate);
        var first = await setup.Api.RegisterShipmentAsync("road-domestic");
        var second = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, first, at: DateTimeOffset.UtcNow.AddMinutes(-2)), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, second), HttpStatusCode.Created);

        var activity = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/activity"), HttpStatusCode.OK);
        var scans = activity.GetProperty("scans").EnumerateArray().ToArray();
        Assert.Equal([second, first], scans.Select(s => s.GetProperty("shipmentId").GetString()));
        Assert.All(scans, s => Assert.Equal(station, s.GetProperty("stationId").GetString()));
        Assert.StartsWith("checked in", scans[0].GetProperty("outcome").GetString());
        Assert.Empty(activity.GetProperty("readings").EnumerateArray());

        await ServiceFixture.Expect(await setup.Admin.GetAsync("/api/devices/no-such-device/activity"), HttpStatusCode.NotFound);
        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?deviceId={deviceId}"), HttpStatusCode.OK);
        Assert.Equal(0, alerts.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task An_open_device_stream_shows_a_suspension_made_by_another_admin_within_seconds()
    {
        var device = await setup.Api.EnrollAsync("sensor");
        var deviceId = device.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
        using var watcher = setup.Service.Client(TestPki.Instance.Admin);
        using var stream = await watcher.GetStreamAsync($"/api/devices/{deviceId}/stream");
        using var reader = new StreamReader(stream);
        var first = await NextDeviceEventAsync(reader);
        Assert.Equal("active", first.GetProperty("status").GetString());

        var suspend = await setup.Admin.PostAsJsonAsync($"/api/devices/{deviceId}/suspend", new { reason = "seen at the wrong dock" });
        await ServiceFixture.Expect(suspend, HttpStatusCode.OK);
        var started = DateTime.UtcNow;
        var next = await NextDeviceEventAsync(reader);
        Assert.Equal("suspended", next.GetProperty("status").GetString());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), $"took {DateTime.UtcNow - started}");
    }

    [Fact]
    public async Task Staff_are_told_who_they_are_and_get_403_from_every_device_call()
    {
        var certificate = await setup.Api.EnrollAsync("staff");
        using var staff = setup.Service.Client(certificate);
        var me = await ServiceFixture.Expect(await staff.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal("staff", me.GetProperty("role").GetString());
        var admin = await ServiceFixture.Expect(await setup.Admin.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal("admin", admin.GetProperty("role").GetString());
        foreach (var path in new[] { "/api/devices", "/api/devices/admin", "/api/devices/admin/audit", "/api/devices/admin/activity", "/api/devices/admin/stream" })
        {
            await ServiceFixture.Expect(await staff.GetAsync(path), HttpStatusCode.Forbidden);
        }

        await ServiceFixture.Expect(await staff.PostAsJsonAsync("/api/devices/admin/suspend", new { reason = "x" }), HttpStatusCode.Forbidden);
    }

    private static async Task<JsonElement> NextDeviceEventAsync(StreamReader reader)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var isDevice = false;
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line == "event: device")
            {
                isDevice = true;
            }
            else if (isDevice && line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonDocument.Parse(line[6..]).RootElement.Clone();
            }
        }

        throw new EndOfStreamException("the device stream ended");
    }
}
