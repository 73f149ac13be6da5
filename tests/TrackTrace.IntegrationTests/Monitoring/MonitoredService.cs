using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Monitoring;

/// <summary>A service whose sightings are flushed five times a second, and what the monitoring tests ask of it.</summary>
public class MonitoredService : ServiceFixture
{
    protected override IDictionary<string, string?> Overrides => Settings;

    public static Dictionary<string, string?> Settings => new()
    {
        ["Devices:SightingsFlushInterval"] = "00:00:00.2",
    };

    /// <summary>A scanner enrolled at a new station of this type; its certificate.</summary>
    public async Task<(string DeviceId, string StationId, X509Certificate2 Certificate)> ScannerAsync(string stationType = "factory")
    {
        var station = await Api.RegisterStationAsync(stationType);
        var deviceId = NewId("scanner").ToLowerInvariant();
        return (deviceId, station, await Api.EnrollAsync("scanner", station, deviceId));
    }

    /// <summary>This many new road-domestic shipments, for a scanner to check in.</summary>
    public async Task<List<string>> ShipmentsAsync(int count)
    {
        var shipments = new List<string>();
        for (var i = 0; i < count; i++)
        {
            shipments.Add(await Api.RegisterShipmentAsync("road-domestic"));
        }

        return shipments;
    }

    public async Task<JsonElement> DeviceAsync(string deviceId) =>
        await Expect(await Admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.OK);

    public async Task<string> StatusAsync(string deviceId) => (await DeviceAsync(deviceId)).GetProperty("status").GetString()!;

    public async Task<JsonElement[]> AlertsAsync(string type, string deviceId)
    {
        var page = await Expect(await Admin.GetAsync($"/api/alerts?type={type}&pageSize=500"), HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray()
            .Where(a => a.TryGetProperty("deviceId", out var d) && d.GetString() == deviceId).ToArray();
    }

    public async Task<JsonElement[]> AuditAsync(string deviceId) =>
        (await Expect(await Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK)).EnumerateArray().ToArray();

    /// <summary>Waits until the device view shows the device seen from <paramref name="address"/> no earlier than <paramref name="since"/>.</summary>
    public Task<bool> SeenAsync(string deviceId, string address, DateTimeOffset since) => Eventually(async () =>
        (await DeviceAsync(deviceId)).GetProperty("sightings").EnumerateArray().Any(s =>
            s.GetProperty("address").GetString() == address && s.GetProperty("lastSeenAt").GetDateTimeOffset() >= since),
        what: $"device {deviceId} seen from {address} since {since:O}");

    public Task ResumeAsync(string deviceId, string reason) =>
        Admin.PostAsJsonAsync($"/api/devices/{deviceId}/resume", new { reason })
            .ContinueWith(t => Expect(t.Result, HttpStatusCode.OK)).Unwrap();
}
