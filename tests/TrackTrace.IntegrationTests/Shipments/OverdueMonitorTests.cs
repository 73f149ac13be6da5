using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrackTrace.Api.Shipments.MonitoringOverdue;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Shipments;

/// <summary>
/// The overdue monitor against real PostgreSQL with the service's clock moved forward by the test
/// (no sleeping until a due time): recorded once however many instances race for it, recorded at
/// start-up when it fell due while the service was down, and a late check-in accepted and marked late.
/// road-domestic: factory, truck (PT8H + PT4H tolerance), destination (PT12H + PT4H).
/// </summary>
public sealed class OverdueMonitorTests(OverdueMonitorTests.Clocked setup) : IClassFixture<OverdueMonitorTests.Clocked>
{
    private static readonly TimeSpan TruckDue = TimeSpan.FromHours(8 + 4);

    /// <summary>
    /// A service on a test clock whose monitor sweeps only at start-up on its own: the tests sweep when
    /// they mean to, so nothing is recorded behind their back.
    /// </summary>
    public sealed class Clocked : ServiceFixture
    {
        public static readonly Dictionary<string, string?> Settings = new() { ["Shipments:OverdueCheckInterval"] = "01:00:00" };

        public TestClock Time { get; } = new();
        public Dictionary<string, HttpClient> Scanners { get; } = new();
        public Dictionary<string, System.Security.Cryptography.X509Certificates.X509Certificate2> ScannerCertificates { get; } = new();

        protected override IDictionary<string, string?> Overrides => Settings;

        protected override TimeProvider Clock => Time;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var type in new[] { "factory", "truck", "destination" })
            {
                ScannerCertificates[type] = await Api.EnrollAsync("scanner", await Api.RegisterStationAsync(type));
                Scanners[type] = Service.Client(ScannerCertificates[type]);
            }
        }
    }

    [Fact]
    public async Task A_shipment_past_its_due_time_is_recorded_overdue_once_and_a_late_check_in_is_marked_late()
    {
        var (shipment, atFactory) = await CheckedInAtTheFactoryAsync(setup.Admin);
        var due = atFactory + TruckDue;

        var onTime = await Get($"/api/shipments/{shipment}");
        var truck = Assert.Single(onTime.GetProperty("nextExpected").EnumerateArray());
        Assert.Equal((2, due, false), (truck.GetProperty("number").GetInt32(), truck.GetProperty("due").GetDateTimeOffset(),
            truck.GetProperty("overdue").GetBoolean()));
        Assert.False(onTime.GetProperty("overdue").GetBoolean());
        Assert.Equal(atFactory + TimeSpan.FromHours(8 + 12), onTime.GetProperty("eta").GetDateTimeOffset());

        setup.Time.Advance(TruckDue + TimeSpan.FromHours(2));
        var monitor = setup.Service.Get<OverdueMonitor>();
        var sweep = await monitor.SweepAsync(CancellationToken.None);
        Assert.True(sweep.Recorded >= 1, $"the sweep recorded nothing: {sweep}");
        await monitor.SweepAsync(CancellationToken.None);

        var overdue = Assert.Single(await FactsAsync(setup.Admin, shipment, "check-in-overdue"));
        Assert.Equal((2, "Road transport", due), (overdue.GetProperty("data").GetProperty("legNumber").GetInt32(),
            overdue.GetProperty("data").GetProperty("legName").GetString(), overdue.GetProperty("at").GetDateTimeOffset()));
        var seen = await Get($"/api/shipments/{shipment}");
        Assert.True(seen.GetProperty("overdue").GetBoolean());
        Assert.Equal(due, seen.GetProperty("overdueSince").GetDateTimeOffset());
        Assert.True(seen.GetProperty("nextExpected")[0].GetProperty("overdue").GetBoolean());
        var alert = Assert.Single((await Get($"/api/alerts?shipmentId={shipment}")).GetProperty("items").EnumerateArray());
        Assert.Equal("check-in-overdue", alert.GetProperty("type").GetString());

        // Overdue first: ahead of a shipment with newer activity; and the filter keeps only the overdue.
        var newer = await setup.Api.RegisterShipmentAsync("road-domestic");
        setup.Time.Advance(TimeSpan.FromMinutes(1));
        var newest = await setup.Api.RegisterShipmentAsync("road-domestic");
        var listed = Ids(await Get("/api/shipments?pageSize=200"));
        Assert.True(Array.IndexOf(listed, shipment) < Array.IndexOf(listed, newer), $"overdue {shipment} is not listed before {newer}");
        // Then the most recently updated.
        Assert.True(Array.IndexOf(listed, newest) < Array.IndexOf(listed, newer), $"{newest}, updated last, is not listed before {newer}");
        Assert.Contains(shipment, Ids(await Get("/api/shipments?overdue=true&pageSize=200")));
        Assert.DoesNotContain(newer, Ids(await Get("/api/shipments?overdue=true&pageSize=200")));
        Assert.Contains(newer, Ids(await Get("/api/shipments?overdue=false&pageSize=200")));
        Assert.DoesNotContain(shipment, Ids(await Get("/api/shipments?overdue=false&pageSize=200")));

        // The truck turns up 2 h 5 min after the due time: accepted as usual, and the timeline says how late.
        var truckAt = due + new TimeSpan(2, 5, 0);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(setup.Scanners["truck"], shipment, at: truckAt), HttpStatusCode.Created);
        var late = Assert.Single(await FactsAsync(setup.Admin, shipment, "station-checked-in"), e => e.GetProperty("data").GetProperty("legNumber").GetInt32() == 2);
        Assert.Equal("PT2H5M", late.GetProperty("late").GetString());
        Assert.Contains("late by 2 h 5 min", late.GetProperty("summary").GetString());
        var factory = Assert.Single(await FactsAsync(setup.Admin, shipment, "station-checked-in"), e => e.GetProperty("data").GetProperty("legNumber").GetInt32() == 1);
        Assert.False(factory.TryGetProperty("late", out _), "the factory check-in was on time, yet it is marked late");

        var moving = await Get($"/api/shipments/{shipment}");
        Assert.False(moving.GetProperty("overdue").GetBoolean());
        Assert.Equal(truckAt + TimeSpan.FromHours(12 + 4), moving.GetProperty("nextExpected")[0].GetProperty("due").GetDateTimeOffset());
        Assert.Single(await FactsAsync(setup.Admin, shipment, "check-in-overdue"));
    }

    [Fact]
    public async Task Two_instances_racing_record_each_overdue_check_in_once()
    {
        await using var second = await ServiceInstance.StartAsync(setup.ConnectionString, setup.Broker, Clocked.Settings, clock: setup.Time);
        var shipments = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            shipments.Add((await CheckedInAtTheFactoryAsync(setup.Admin)).Shipment);
        }

        setup.Time.Advance(TruckDue + TimeSpan.FromMinutes(1));
        var monitors = new[] { setup.Service.Get<OverdueMonitor>(), second.Get<OverdueMonitor>() };
        var sweeps = await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(_ => monitors).Select(m => m.SweepAsync(CancellationToken.None)));

        Assert.True(sweeps.Sum(s => s.Recorded) >= shipments.Count, string.Join("; ", sweeps.Select(s => s.ToString())));
        foreach (var shipment in shipments)
        {
            Assert.Single(await FactsAsync(setup.Admin, shipment, "check-in-overdue"));
            var alerts = (await Get($"/api/alerts?shipmentId={shipment}&type=check-in-overdue")).GetProperty("items");
            Assert.Equal(1, alerts.GetArrayLength());
        }
    }

    [Fact]
    public async Task An_overdue_that_fell_due_while_the_service_was_down_is_recorded_when_it_starts()
    {
        var clock = new TestClock();
        string shipment;
        await using (var first = await ServiceInstance.StartAsync(setup.ConnectionString, setup.Broker, Clocked.Settings, clock: clock))
        {
            using var admin = first.Client(TestPki.Instance.Admin);
            using var scanner = first.Client(setup.ScannerCertificates["factory"]);
            shipment = (await CheckedInAtTheFactoryAsync(admin, clock, scanner)).Shipment;
        }

        clock.Advance(TruckDue + TimeSpan.FromHours(6));
        await using var second = await ServiceInstance.StartAsync(setup.ConnectionString, setup.Broker, Clocked.Settings, clock: clock);
        using var admin2 = second.Client(TestPki.Instance.Admin);

        // No sweep called: the one the service makes as it starts finds it.
        var overdue = await ServiceFixture.Eventually(async () => (await FactsAsync(admin2, shipment, "check-in-overdue")).FirstOrDefault() is
            { ValueKind: JsonValueKind.Object } fact ? (JsonElement?)fact : null, what: "check-in-overdue recorded at start-up");
        Assert.Equal(2, overdue!.Value.GetProperty("data").GetProperty("legNumber").GetInt32());
    }

    [Fact]
    public async Task The_staff_list_pages_through_the_overdue_then_the_rest_with_one_total()
    {
        // Two shipments whose truck is due an hour apart (both recorded overdue), and three not yet due.
        var prefix = ServiceFixture.NewId("LIST");
        var api = new AdminApi(setup.Admin);
        var first = await CheckedInAtTheFactoryAsync(setup.Admin, id: $"{prefix}-A");
        setup.Time.Advance(TimeSpan.FromHours(1));
        var second = await CheckedInAtTheFactoryAsync(setup.Admin, id: $"{prefix}-B");
        setup.Time.Advance(TruckDue + TimeSpan.FromMinutes(1));
        await setup.Service.Get<OverdueMonitor>().SweepAsync(CancellationToken.None);
        var waiting = new List<string>();
        foreach (var name in new[] { "C", "D", "E" })
        {
            setup.Time.Advance(TimeSpan.FromMinutes(1));
            waiting.Add(await api.RegisterShipmentAsync("road-domestic", $"{prefix}-{name}"));
        }

        // Longest overdue first, then the newest activity first; pages of two cross from one part to the other.
        string[] expected = [first.Shipment, second.Shipment, waiting[2], waiting[1], waiting[0]];
        var listed = new List<string>();
        for (var page = 1; page <= 4; page++)
        {
            var answer = await Get($"/api/shipments?q={prefix}&pageSize=2&page={page}");
            Assert.Equal(5, answer.GetProperty("total").GetInt32());
            listed.AddRange(Ids(answer));
        }

        Assert.Equal(expected, listed);
        var overdue = await Get($"/api/shipments?q={prefix}&overdue=true&pageSize=1&page=2");
        Assert.Equal(2, overdue.GetProperty("total").GetInt32());
        Assert.Equal([second.Shipment], Ids(overdue));
        var notOverdue = await Get($"/api/shipments?q={prefix}&overdue=false&pageSize=2&page=2");
        Assert.Equal(3, notOverdue.GetProperty("total").GetInt32());
        Assert.Equal([waiting[0]], Ids(notOverdue));
    }

    /// <summary>A road-domestic shipment checked in at the factory now (whole seconds, by the service's clock).</summary>
    private async Task<(string Shipment, DateTimeOffset At)> CheckedInAtTheFactoryAsync(
        HttpClient admin, TestClock? clock = null, HttpClient? scanner = null, string? id = null)
    {
        var shipment = await new AdminApi(admin).RegisterShipmentAsync("road-domestic", id);
        var now = (clock ?? setup.Time).GetUtcNow();
        var at = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner ?? setup.Scanners["factory"], shipment, at: at), HttpStatusCode.Created);
        return (shipment, at);
    }

    private async Task<JsonElement> Get(string path) => await ServiceFixture.Expect(await setup.Admin.GetAsync(path), HttpStatusCode.OK);

    private static async Task<JsonElement[]> FactsAsync(HttpClient admin, string shipment, string fact) =>
        (await ServiceFixture.Expect(await admin.GetAsync($"/api/shipments/{shipment}/timeline"), HttpStatusCode.OK))
        .EnumerateArray().Where(e => e.GetProperty("fact").GetString() == fact).ToArray();

    private static string[] Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("shipmentId").GetString()!).ToArray();
}
