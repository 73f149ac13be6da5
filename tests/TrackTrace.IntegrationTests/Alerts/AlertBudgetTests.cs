using System.Net;
using System.Text.Json;
using TrackTrace.Api.Alerts;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>
/// One misbehaving device must not flood on-call people: past its budget per window its alerts are
/// held back (the facts are still recorded), other devices are not affected, and once the window has
/// closed a single alert says how many were suppressed.
/// </summary>
public sealed class AlertBudgetTests(AlertBudgetTests.TightBudget setup) : IClassFixture<AlertBudgetTests.TightBudget>
{
    public sealed class TightBudget : ServiceFixture
    {
        public TestClock Time { get; } = new();

        protected override TimeProvider Clock => Time;

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Alerts:PerDeviceLimit"] = "2",
            // A day: the test's scans cannot straddle a window's end unless run at midnight UTC.
            ["Alerts:PerDeviceWindow"] = "1.00:00:00",
        };

        public async Task<(string DeviceId, HttpClient Client)> DestinationScannerAsync()
        {
            var deviceId = NewId("scanner").ToLowerInvariant();
            return (deviceId, Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync("destination"), deviceId)));
        }

        /// <summary>A road-domestic shipment scanned at the destination before it left the factory.</summary>
        public async Task<string> OutOfSequenceAsync(HttpClient scanner)
        {
            var shipment = await Api.RegisterShipmentAsync("road-domestic");
            await Expect(await ScanAsync(scanner, shipment, at: Time.GetUtcNow()), HttpStatusCode.Conflict);
            return shipment;
        }

        public async Task<JsonElement[]> AlertsOfAsync(string deviceId)
        {
            var page = await Expect(await Admin.GetAsync("/api/alerts?pageSize=500"), HttpStatusCode.OK);
            return page.GetProperty("items").EnumerateArray()
                .Where(a => a.TryGetProperty("deviceId", out var d) && d.GetString() == deviceId).ToArray();
        }
    }

    [Fact]
    public async Task Past_its_budget_a_devices_alerts_are_held_back_and_one_alert_counts_them_once_the_window_closed()
    {
        var (noisy, noisyScanner) = await setup.DestinationScannerAsync();
        var (quiet, quietScanner) = await setup.DestinationScannerAsync();
        var shipments = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            shipments.Add(await setup.OutOfSequenceAsync(noisyScanner));
        }

        var quietShipment = await setup.OutOfSequenceAsync(quietScanner);

        var raised = await setup.AlertsOfAsync(noisy);
        Assert.Equal(shipments.Take(2).Order(), raised.Select(a => a.GetProperty("shipmentId").GetString()!).Order());
        Assert.Equal(quietShipment, Assert.Single(await setup.AlertsOfAsync(quiet)).GetProperty("shipmentId").GetString());
        foreach (var shipment in shipments)
        {
            var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
            Assert.Single(timeline.EnumerateArray(), e => e.GetProperty("fact").GetString() == "out-of-sequence-scan-recorded");
        }

        var summaries = setup.Service.Get<AlertSuppressionSummaries>();
        await summaries.SummarizeAsync(CancellationToken.None);
        Assert.Equal(2, (await setup.AlertsOfAsync(noisy)).Length); // the window is still open

        setup.Time.Advance(TimeSpan.FromDays(1.1));
        await summaries.SummarizeAsync(CancellationToken.None);
        await summaries.SummarizeAsync(CancellationToken.None);

        var afterwards = await setup.AlertsOfAsync(noisy);
        var summary = Assert.Single(afterwards, a => a.GetProperty("id").GetString()!.Contains("suppressed"));
        Assert.Equal($"3 more out-of-sequence alerts from device {noisy} suppressed", summary.GetProperty("title").GetString());
        Assert.Equal("out-of-sequence", summary.GetProperty("type").GetString());
        Assert.Equal(3, afterwards.Length);
        Assert.Single(await setup.AlertsOfAsync(quiet));
    }
}
