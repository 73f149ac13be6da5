using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TrackTrace.Api.Hosting;
using TrackTrace.Pki;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>
/// An open alert stream is no lasting grant: once its staff device is suspended, loses an expected
/// attribute or its certificate expires, the stream ends (Devices:StreamRecheckInterval) and the
/// reconnect is refused; the streams of devices that may still read stay open.
/// </summary>
public sealed class AlertStreamRecheckTests(AlertStreamRecheckTests.Rechecking setup) : IClassFixture<AlertStreamRecheckTests.Rechecking>
{
    public const string Epoch = "epoch-7";

    /// <summary>A deadline well above the interval, so a busy machine does not fail the test; the default 5 s would need no change.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static readonly Dictionary<string, string> Current = new() { ["epoch"] = Epoch };

    public sealed class Rechecking : ServiceFixture
    {
        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Devices:StreamRecheckInterval"] = "00:00:00.250",
            ["Devices:ExpectedAttributes:status"] = "active",
            ["Devices:ExpectedAttributes:epoch"] = Epoch,
        };
    }

    [Fact]
    public async Task Suspending_a_staff_device_ends_its_open_stream_while_another_staff_stream_keeps_receiving()
    {
        var (deviceId, staff) = await EnrollStaffAsync();
        var (_, colleague) = await EnrollStaffAsync();
        await using var stream = await AlertStream.OpenAsync(staff, "/api/alerts/stream");
        await using var other = await AlertStream.OpenAsync(colleague, "/api/alerts/stream");

        await ServiceFixture.Expect(
            await setup.Admin.PostAsJsonAsync($"/api/devices/{deviceId}/suspend", new { reason = "laptop stolen" }), HttpStatusCode.OK);

        var why = LastWords(await stream.EndAsync(Deadline));
        Assert.Equal("suspended", why.GetProperty("reason").GetString());
        Assert.Equal("status", why.GetProperty("attribute").GetString());
        await AssertReconnectRefusedAsync(staff, "suspended");

        // The colleague's stream was checked as often and is still live (it also hears of the refused device).
        var shipment = await RaiseOutOfSequenceAsync();
        await other.NextAsync(a => a.TryGetProperty("shipmentId", out var id) && id.GetString() == shipment);
    }

    [Fact]
    public async Task Changing_an_expected_attribute_ends_the_open_stream()
    {
        var (deviceId, staff) = await EnrollStaffAsync();
        await using var stream = await AlertStream.OpenAsync(staff, "/api/alerts/stream");

        await ServiceFixture.Expect(await setup.Admin.PutAsJsonAsync($"/api/devices/{deviceId}/attributes",
            new { attributes = new { epoch = "epoch-6" }, reason = "rotated keys, this laptop missed it" }), HttpStatusCode.OK);

        var why = LastWords(await stream.EndAsync(Deadline));
        Assert.Equal("attribute-mismatch", why.GetProperty("reason").GetString());
        Assert.Equal("epoch", why.GetProperty("attribute").GetString());
        await AssertReconnectRefusedAsync(staff, "attribute-mismatch");
    }

    [Fact]
    public async Task A_stream_opened_with_a_certificate_about_to_expire_ends_when_it_expires()
    {
        var deviceId = ServiceFixture.NewId("staff").ToLowerInvariant();
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddSeconds(4).ToUnixTimeSeconds());
        var certificate = TestPki.Instance.Authority.Issue(CertificateProfile.ForDevice(deviceId) with { NotAfter = expiresAt });
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync("/api/devices", new
        {
            deviceId, role = "staff", certificate = TestPki.Pem(certificate), attributes = Current,
        }), HttpStatusCode.Created);
        using var staff = setup.Service.Client(certificate);
        await using var stream = await AlertStream.OpenAsync(staff, "/api/alerts/stream");

        var why = LastWords(await stream.EndAsync(Deadline));
        Assert.Equal("certificate-not-valid-now", why.GetProperty("reason").GetString());
        Assert.True(DateTimeOffset.UtcNow >= expiresAt, "the stream ended before the certificate expired");
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:05")]
    public void A_recheck_interval_that_is_not_positive_stops_the_service(string interval)
    {
        var error = Assert.Throws<InvalidOperationException>(() => TrackTraceApp.Build([], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody",
                ["Api:ServerCertificate"] = TestPki.Instance.ServerCertificatePath,
                ["Api:ServerKey"] = TestPki.Instance.ServerKeyPath,
                ["Api:ClientCertificateAuthorities:0"] = TestPki.Instance.CaPath,
                ["Devices:StreamRecheckInterval"] = interval,
                ["RabbitMq:Uri"] = "amqp://nobody:unused@127.0.0.1:1/",
            })));
        Assert.Contains("Devices:StreamRecheckInterval", error.Message);
    }

    private async Task<(string DeviceId, HttpClient Client)> EnrollStaffAsync()
    {
        var deviceId = ServiceFixture.NewId("staff").ToLowerInvariant();
        var certificate = await setup.Api.EnrollAsync("staff", deviceId: deviceId, attributes: Current);
        return (deviceId, setup.Service.Client(certificate));
    }

    private async Task<string> RaiseOutOfSequenceAsync()
    {
        using var scanner = setup.Service.Client(
            await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("destination"), attributes: Current));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Conflict);
        return shipment;
    }

    /// <summary>The stream's last event says why it ended.</summary>
    private static JsonElement LastWords(List<SseItem<string>> items)
    {
        var last = Assert.Single(items, i => i.EventType == "device-rejected");
        Assert.Equal(last, items[^1]);
        return JsonDocument.Parse(last.Data).RootElement.Clone();
    }

    private static async Task AssertReconnectRefusedAsync(HttpClient client, string reason)
    {
        var problem = await ServiceFixture.Expect(await client.GetAsync("/api/alerts/stream"), HttpStatusCode.Forbidden);
        Assert.EndsWith("/device-rejected", problem.GetProperty("type").GetString());
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
    }
}
