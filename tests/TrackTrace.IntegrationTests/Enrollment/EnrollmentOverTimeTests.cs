using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Enrollment;

/// <summary>
/// What time does to enrollment, on a service whose clock the test moves forward: a token expires,
/// a renewal's grace ends (the old certificate is refused at once, and the sweep records its
/// retirement), and certificates come up for renewal in GET /api/devices?expiringWithin=.
/// </summary>
public sealed class EnrollmentOverTimeTests(EnrollmentOverTimeTests.Setup setup) : IClassFixture<EnrollmentOverTimeTests.Setup>
{
    public sealed class Setup : ServiceFixture
    {
        public TestClock Time { get; } = new();
        public string Station { get; private set; } = "";
        public EstDevices Devices { get; private set; } = null!;

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Devices:RenewalSweepInterval"] = "00:00:00.200",
        };

        protected override TimeProvider Clock => Time;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Station = await Api.RegisterStationAsync("factory");
            Devices = new EstDevices(Service, Admin);
        }
    }

    private EstDevices Devices => setup.Devices;

    [Fact]
    public async Task A_token_past_its_lifetime_is_refused_as_expired_and_a_new_one_enrolls()
    {
        var pending = await Devices.RegisterAsync("sensor");
        setup.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));

        var request = EstDevices.NewRequest(pending.DeviceId, out var key);
        key.Dispose();
        using var response = await Devices.PostEnrollAsync($"{pending.DeviceId}:{pending.Token}", request);

        var problem = await ServiceFixture.Expect(response, HttpStatusCode.Unauthorized);
        Assert.Equal("https://tracktrace.dev/problems/enrollment-token-expired", problem.GetProperty("type").GetString());
        Assert.Equal("expired", (await Devices.DeviceAsync(pending.DeviceId)).GetProperty("enrollmentToken").GetProperty("state").GetString());
        Assert.Equal("token-expired", (await Devices.AuditAsync(pending.DeviceId)).EnumerateArray().Last().GetProperty("reason").GetString());
        using var certificate = await Devices.EnrollAsync(pending.DeviceId, await Devices.NewTokenAsync(pending.DeviceId));
    }

    [Fact]
    public async Task When_the_grace_ends_unused_the_old_certificate_is_refused_retired_by_the_sweep_and_suspends_nobody()
    {
        var pending = await Devices.RegisterAsync("scanner", setup.Station);
        using var old = await Devices.EnrollAsync(pending.DeviceId, pending.Token);
        using var renewed = await Devices.RenewAsync(old);
        await ScanAsync(old, HttpStatusCode.Created);

        setup.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));

        var refused = await ScanAsync(old, HttpStatusCode.Forbidden);
        Assert.Equal("certificate-retired", refused.GetProperty("reason").GetString());
        var retired = await ServiceFixture.Eventually(async () => (await Devices.AuditAsync(pending.DeviceId)).EnumerateArray()
            .Where(e => e.GetProperty("fact").GetString() == "certificate-retired").Select(e => (JsonElement?)e).FirstOrDefault(),
            what: "the sweep to retire the old certificate");
        Assert.Equal("monitor:renewal-grace", retired!.Value.GetProperty("by").GetString());
        Assert.Equal(Fingerprint.Sha256Hex(old), retired.Value.GetProperty("details").GetProperty("fingerprint").GetString());
        await ScanAsync(old, HttpStatusCode.Forbidden);
        Assert.Equal("active", (await Devices.DeviceAsync(pending.DeviceId)).GetProperty("status").GetString());
        await ScanAsync(renewed, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Devices_whose_newest_live_certificate_expires_within_the_duration_are_listed_soonest_first()
    {
        var first = await Devices.RegisterAsync("sensor");
        using var early = await Devices.EnrollAsync(first.DeviceId, first.Token);
        setup.Time.Advance(TimeSpan.FromDays(2));
        var second = await Devices.RegisterAsync("sensor");
        using var later = await Devices.EnrollAsync(second.DeviceId, second.Token);
        var pending = await Devices.RegisterAsync("sensor");
        string[] mine = [first.DeviceId, second.DeviceId, pending.DeviceId];

        Assert.Empty(await ExpiringAsync("P7D", mine));
        Assert.Equal([first.DeviceId, second.DeviceId], await ExpiringAsync("P31D", mine));

        // 25 days after the first enrolled: it expires in 5 days, the second in 7.
        setup.Time.Advance(TimeSpan.FromDays(23));
        Assert.Equal([first.DeviceId], await ExpiringAsync("P6D", mine));
        Assert.Equal([first.DeviceId, second.DeviceId], await ExpiringAsync("P8DT12H", mine));

        // Renewing takes a device off the list: its newest live certificate is the new one.
        using var renewed = await Devices.RenewAsync(early);
        Assert.Empty(await ExpiringAsync("P6D", mine));
    }

    [Theory]
    [InlineData("7d")]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("-P7D")]
    [InlineData("P0D")]
    [InlineData("PT")]
    [InlineData("P99999D")]
    public async Task An_expiry_window_that_is_not_a_positive_fixed_duration_is_400(string within)
    {
        var problem = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices?expiringWithin={Uri.EscapeDataString(within)}"),
            HttpStatusCode.BadRequest);

        Assert.Contains("ISO-8601", problem.GetProperty("errors").GetProperty("expiringWithin")[0].GetString());
    }

    private async Task<string[]> ExpiringAsync(string within, string[] among)
    {
        var list = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices?expiringWithin={within}"), HttpStatusCode.OK);
        return list.EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()!).Where(among.Contains).ToArray();
    }

    private async Task<JsonElement> ScanAsync(X509Certificate2 certificate, HttpStatusCode status)
    {
        using var client = setup.Service.Client(certificate);
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        return await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, shipment, at: setup.Time.GetUtcNow()), status);
    }
}
