using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.ColdChain;

/// <summary>A sensor streams readings into an ocean-reefer shipment; a long excursion refuses the delivery.</summary>
public sealed class ColdChainTests(ColdChainTests.Reefer setup) : IClassFixture<ColdChainTests.Reefer>
{
    public sealed class Reefer : ServiceFixture
    {
        public Dictionary<string, HttpClient> Scanners { get; } = new();

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var name in new[] { "factory", "truck", "customs", "port", "destination" })
            {
                Scanners[name] = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync(name)));
            }
        }

        /// <summary>A new ocean-reefer shipment with a new sensor attached; returns the sensor's client.</summary>
        public async Task<(string Shipment, HttpClient Sensor, string SensorId)> ShipmentWithSensorAsync()
        {
            var shipment = await Api.RegisterShipmentAsync("ocean-reefer");
            var sensorId = NewId("sensor").ToLowerInvariant();
            var sensor = Service.Client(await Api.EnrollAsync("sensor", deviceId: sensorId));
            await Expect(await Admin.PostAsJsonAsync($"/api/shipments/{shipment}/sensors", new { deviceId = sensorId }), HttpStatusCode.OK);
            return (shipment, sensor, sensorId);
        }
    }

    // Whole seconds: PostgreSQL keeps microseconds, so a comparison down to the tick must not depend on it.
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeSeconds());

    private static object Batch(params (double MinutesAfterStart, double Celsius)[] readings) => new
    {
        readings = readings.Select(r => new { at = Start.AddMinutes(r.MinutesAfterStart), celsius = r.Celsius }),
    };

    private Task<HttpResponseMessage> Post(HttpClient sensor, string shipment, object body) =>
        sensor.PostAsJsonAsync($"/api/shipments/{shipment}/temperature-readings", body);

    private async Task WalkTo(string shipment, params string[] stations)
    {
        foreach (var station in stations)
        {
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners[station], shipment), HttpStatusCode.Created);
        }
    }

    [Fact]
    public async Task An_excursion_longer_than_the_allowance_refuses_delivery_and_the_timeline_says_why()
    {
        var (shipment, sensor, _) = await setup.ShipmentWithSensorAsync();
        await WalkTo(shipment, "factory", "truck", "customs", "port");

        // In range, then 20 minutes at 9.5 °C, back in range, then 15 more minutes at 10 °C: 35 > 30 allowed.
        var first = await ServiceFixture.Expect(await Post(sensor, shipment,
            Batch((0, 5), (10, 5.5), (20, 9.5), (30, 9.5), (40, 6), (50, 5))), HttpStatusCode.OK);
        Assert.Equal(6, first.GetProperty("stored").GetInt32());
        Assert.Equal("accepted", first.GetProperty("delivery").GetString());
        var second = await ServiceFixture.Expect(await Post(sensor, shipment,
            Batch((60, 10), (70, 10), (75, 10.5), (80, 4))), HttpStatusCode.OK);
        Assert.True(second.GetProperty("breached").GetBoolean());
        Assert.Equal("refused", second.GetProperty("delivery").GetString());

        var state = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
        Assert.Equal("refused", state.GetProperty("attributes").GetProperty("delivery").GetString());

        // Goods still move: customs and the truck record check-ins, and say the delivery is refused.
        var atCustoms = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["customs"], shipment), HttpStatusCode.Created);
        Assert.Equal("refused", atCustoms.GetProperty("delivery").GetString());
        await WalkTo(shipment, "truck");

        var refused = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["destination"], shipment), HttpStatusCode.Conflict);
        Assert.EndsWith("/delivery-refused", refused.GetProperty("type").GetString());

        var coldChain = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/cold-chain"), HttpStatusCode.OK);
        var breach = coldChain.GetProperty("breach");
        Assert.Equal("allowance-exceeded", breach.GetProperty("rule").GetString());
        Assert.Equal(Start.AddMinutes(70), breach.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(10, coldChain.GetProperty("readingCount").GetInt32());
        Assert.True(coldChain.GetProperty("meanKineticCelsius").GetDouble() > 7);

        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        var facts = timeline.EnumerateArray().Select(e => e.GetProperty("fact").GetString()).ToArray();
        Assert.Contains("cold-chain-breached", facts);
        Assert.Equal("delivery-refused", facts[^1]);
        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        var types = alerts.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("type").GetString()!).Order().ToArray();
        string[] expected = ["cold-chain-breach", "delivery-refused"];
        Assert.Equal(expected, types);
    }

    [Fact]
    public async Task Only_an_admin_release_lets_the_destination_take_a_refused_shipment()
    {
        var (shipment, sensor, _) = await setup.ShipmentWithSensorAsync();
        await WalkTo(shipment, "factory", "truck", "customs", "port", "customs", "truck");
        await ServiceFixture.Expect(await Post(sensor, shipment, Batch((0, 5), (1, 16))), HttpStatusCode.OK);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["destination"], shipment), HttpStatusCode.Conflict);

        var staff = setup.Service.Client(await setup.Api.EnrollAsync("staff"));
        await ServiceFixture.Expect(await staff.PostAsJsonAsync($"/api/shipments/{shipment}/release", new { reason = "QA ok" }), HttpStatusCode.Forbidden);
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/shipments/{shipment}/release", new { reason = "" }), HttpStatusCode.BadRequest);
        var released = await ServiceFixture.Expect(
            await setup.Admin.PostAsJsonAsync($"/api/shipments/{shipment}/release", new { reason = "QA tested the batch: stable" }), HttpStatusCode.OK);
        Assert.Equal("accepted", released.GetProperty("attributes").GetProperty("delivery").GetString());

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["destination"], shipment), HttpStatusCode.Created);
        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        var release = timeline.EnumerateArray().Single(e => e.GetProperty("fact").GetString() == "delivery-released");
        Assert.Equal("admin", release.GetProperty("who").GetString());
        Assert.Contains("QA tested the batch", release.GetProperty("summary").GetString());
        Assert.Equal("shipment-delivered", timeline.EnumerateArray().Last().GetProperty("fact").GetString());
    }

    [Fact]
    public async Task A_late_reading_is_placed_by_its_time_and_can_cause_the_breach()
    {
        var (shipment, sensor, _) = await setup.ShipmentWithSensorAsync();
        // 25 minutes outside so far; a late reading at minute 2 says it was already warm then: 33 minutes.
        await ServiceFixture.Expect(await Post(sensor, shipment, Batch((0, 5), (10, 9), (20, 9), (35, 5))), HttpStatusCode.OK);
        var before = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/cold-chain"), HttpStatusCode.OK);
        Assert.Equal(25, before.GetProperty("minutesOutside").GetDouble(), 3);
        var late = await ServiceFixture.Expect(await Post(sensor, shipment, Batch((2, 9))), HttpStatusCode.OK);
        Assert.True(late.GetProperty("breached").GetBoolean());
    }

    [Fact]
    public async Task Resent_readings_are_stored_once()
    {
        var (shipment, sensor, _) = await setup.ShipmentWithSensorAsync();
        var batch = Batch((0, 4), (1, 4.2), (2, 4.4));
        await ServiceFixture.Expect(await Post(sensor, shipment, batch), HttpStatusCode.OK);
        var again = await ServiceFixture.Expect(await Post(sensor, shipment, batch), HttpStatusCode.OK);
        Assert.Equal(0, again.GetProperty("stored").GetInt32());
        Assert.Equal(3, again.GetProperty("duplicates").GetInt32());
        var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
        Assert.Equal(3, readings.GetArrayLength());
    }

    [Fact]
    public async Task A_scan_that_carries_a_temperature_adds_it_to_the_series()
    {
        var (shipment, _, _) = await setup.ShipmentWithSensorAsync();
        var response = await setup.Scanners["factory"].PostAsJsonAsync("/api/scans", new
        {
            scanId = Guid.NewGuid(), shipmentId = shipment, scannedAt = DateTimeOffset.UtcNow, celsius = 4.5,
        });
        await ServiceFixture.Expect(response, HttpStatusCode.Created);
        var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
        var reading = Assert.Single(readings.EnumerateArray());
        Assert.Equal(4.5, reading.GetProperty("celsius").GetDouble());
        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("summary").GetString()!.Contains("4.5 °C"));
    }

    [Fact]
    public async Task A_scan_out_of_sequence_keeps_its_temperature_as_a_fact_but_cannot_break_the_cold_chain()
    {
        var (shipment, _, _) = await setup.ShipmentWithSensorAsync();
        await WalkTo(shipment, "factory");

        // A scanner with no business at this leg (the destination, four legs early) reports 99 °C.
        var response = await setup.Scanners["destination"].PostAsJsonAsync("/api/scans", new
        {
            scanId = Guid.NewGuid(), shipmentId = shipment, scannedAt = DateTimeOffset.UtcNow, celsius = 99.0,
        });
        Assert.EndsWith("/out-of-sequence", (await ServiceFixture.Expect(response, HttpStatusCode.Conflict)).GetProperty("type").GetString());

        var coldChain = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/cold-chain"), HttpStatusCode.OK);
        Assert.Equal(0, coldChain.GetProperty("readingCount").GetInt32());
        Assert.False(coldChain.TryGetProperty("breach", out _));
        Assert.Equal("accepted", coldChain.GetProperty("delivery").GetString());
        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK);
        var anomaly = Assert.Single(timeline.EnumerateArray(), e => e.GetProperty("fact").GetString() == "out-of-sequence-scan-recorded");
        Assert.Equal(99.0, anomaly.GetProperty("data").GetProperty("celsius").GetDouble());
    }

    [Fact]
    public async Task One_sensor_on_two_shipments_is_stored_and_judged_for_both()
    {
        var (first, sensor, sensorId) = await setup.ShipmentWithSensorAsync();
        var second = await setup.Api.RegisterShipmentAsync("ocean-reefer");
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/shipments/{second}/sensors", new { deviceId = sensorId }),
            HttpStatusCode.OK);

        // Two pallets in one reefer: the same reading, and a hard-limit breach, for each of them.
        foreach (var shipment in new[] { first, second })
        {
            var answer = await ServiceFixture.Expect(await Post(sensor, shipment, Batch((0, 5), (5, 16))), HttpStatusCode.OK);
            Assert.Equal(2, answer.GetProperty("stored").GetInt32());
            Assert.True(answer.GetProperty("breached").GetBoolean());
        }

        foreach (var shipment in new[] { first, second })
        {
            var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
            Assert.Equal(2, readings.GetArrayLength());
            var state = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}"), HttpStatusCode.OK);
            Assert.Equal("refused", state.GetProperty("attributes").GetProperty("delivery").GetString());
        }
    }

    [Theory]
    [InlineData("2026-01-01T10:00:00", "is not an ISO-8601 date and time with an explicit offset")]
    [InlineData("1 hour ago", "is not an ISO-8601 date and time with an explicit offset")]
    public async Task A_reading_time_without_an_offset_is_refused_naming_the_reading(string at, string expected)
    {
        var (shipment, sensor, _) = await setup.ShipmentWithSensorAsync();
        var body = $$"""{"readings":[{"at":"{{Start:O}}","celsius":4},{"at":"{{at}}","celsius":4}]}""";
        var problem = await ServiceFixture.Expect(await sensor.PostAsync($"/api/shipments/{shipment}/temperature-readings",
            new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Contains(expected, problem.GetProperty("errors").GetProperty("readings[1].at")[0].GetString());
    }

    [Fact]
    public async Task A_reading_older_than_the_maximum_event_age_is_refused_and_nothing_is_stored()
    {
        var (shipment, sensor, _) = await setup.ShipmentWithSensorAsync();
        var problem = await ServiceFixture.Expect(await Post(sensor, shipment, new
        {
            readings = new[] { new { at = DateTimeOffset.UtcNow.AddDays(-31), celsius = 4.0 }, new { at = DateTimeOffset.UtcNow, celsius = 4.0 } },
        }), HttpStatusCode.BadRequest);
        Assert.Contains("in the past", problem.GetProperty("errors").GetProperty("readings[0].at")[0].GetString());
        var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
        Assert.Equal(0, readings.GetArrayLength());
    }

    public static TheoryData<string, string, int> BadBatches => new()
    {
        { "NaN", """{"readings":[{"at":"2026-01-01T00:00:00Z","celsius":"NaN"}]}""", 400 },
        { "infinite", """{"readings":[{"at":"2026-01-01T00:00:00Z","celsius":1e400}]}""", 400 },
        { "absurd", """{"readings":[{"at":"2026-01-01T00:00:00Z","celsius":4},{"at":"2026-01-01T00:01:00Z","celsius":150}]}""", 400 },
        { "future", $$"""{"readings":[{"at":"{{DateTimeOffset.UtcNow.AddHours(1):O}}","celsius":4}]}""", 400 },
        { "empty", """{"readings":[]}""", 400 },
        { "oversized", "{\"readings\":[" + string.Join(",", Enumerable.Range(0, 1001).Select(i => $"{{\"at\":\"{DateTimeOffset.UtcNow.AddHours(-2).AddSeconds(i):O}\",\"celsius\":4}}")) + "]}", 400 },
        { "missing time", """{"readings":[{"celsius":4}]}""", 400 },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_bad_batch_is_refused_whole_and_nothing_is_stored(string why, string json, int status)
    {
        var (shipment, sensor, _) = await setup.ShipmentWithSensorAsync();
        var response = await sensor.PostAsync($"/api/shipments/{shipment}/temperature-readings",
            new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True((int)response.StatusCode == status, $"{why}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
        Assert.Equal(0, readings.GetArrayLength());
    }

    [Fact]
    public async Task A_sensor_not_attached_and_a_route_without_cold_chain_are_refused()
    {
        var (shipment, _, _) = await setup.ShipmentWithSensorAsync();
        using var stranger = setup.Service.Client(await setup.Api.EnrollAsync("sensor"));
        var problem = await ServiceFixture.Expect(await Post(stranger, shipment, Batch((0, 4))), HttpStatusCode.Forbidden);
        Assert.EndsWith("/sensor-not-attached", problem.GetProperty("type").GetString());

        var road = await setup.Api.RegisterShipmentAsync("road-domestic");
        var noProfile = await ServiceFixture.Expect(await Post(stranger, road, Batch((0, 4))), HttpStatusCode.UnprocessableEntity);
        Assert.EndsWith("/no-cold-chain", noProfile.GetProperty("type").GetString());

        var scannerPosts = await Post(setup.Scanners["factory"], shipment, Batch((0, 4)));
        Assert.Equal(HttpStatusCode.Forbidden, scannerPosts.StatusCode);
        var readings = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{shipment}/temperature-readings"), HttpStatusCode.OK);
        Assert.Equal(0, readings.GetArrayLength());
    }
}
