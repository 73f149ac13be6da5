using System.Net;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Observability;

/// <summary>
/// With an OTLP endpoint configured, one scan is one trace an operator can follow: the HTTP server
/// span, the device check, the decision, the PostgreSQL commands, the group commit linked both ways,
/// and the publish of its integration message continuing the same trace; the meters arrive too.
/// </summary>
public sealed class TracingTests(TracingTests.Traced setup) : IClassFixture<TracingTests.Traced>
{
    public sealed class Traced : ServiceFixture
    {
        public OtlpReceiver Receiver { get; private set; } = null!;

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["OpenTelemetry:OtlpEndpoint"] = Receiver.Endpoint,
            ["OpenTelemetry:ExportInterval"] = "00:00:00.250",
        };

        public override async Task InitializeAsync()
        {
            Receiver = await OtlpReceiver.StartAsync();
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_scan_is_one_trace_from_the_http_server_span_through_the_device_check_and_postgresql_to_the_publish()
    {
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("factory")));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        var response = await ServiceFixture.ScanAsync(scanner, shipment);
        await ServiceFixture.Expect(response, HttpStatusCode.Created);

        // This scan's trace is the one whose decision names its shipment (the class scans more than once).
        var decide = await ServiceFixture.Eventually(() => Task.FromResult(setup.Receiver.Spans.FirstOrDefault(s =>
            s.Name == "decide check-in" && s.Attributes.GetValueOrDefault("tracktrace.shipment.id") == shipment)),
            TimeSpan.FromSeconds(30), "the scan's decision span");
        var trace = decide.TraceId;
        var server = await ServiceFixture.Eventually(() => Task.FromResult(setup.Receiver.Spans.FirstOrDefault(s =>
            s.TraceId == trace && s.Kind == 2)), TimeSpan.FromSeconds(30), "the scan's server span");
        Assert.Equal("/api/scans", server.Attributes.GetValueOrDefault("http.route"));
        Assert.Equal("201", server.Attributes.GetValueOrDefault("http.response.status_code"));
        Assert.Equal(server.SpanId, decide.ParentSpanId);

        var publish = await ServiceFixture.Eventually(() => Task.FromResult(setup.Receiver.Spans.FirstOrDefault(s =>
            s.TraceId == trace && s.Name == "publish StationCheckedIn")), TimeSpan.FromSeconds(30), "the publish of the check-in in the scan's trace");
        var spans = setup.Receiver.Spans.Where(s => s.TraceId == trace).ToArray();

        var deviceCheck = Assert.Single(spans, s => s.Name == "device check");
        Assert.Equal(server.SpanId, deviceCheck.ParentSpanId);
        Assert.Equal("TrackTrace", deviceCheck.Scope);
        Assert.Contains(spans, s => s.Scope == "Npgsql" && s.Attributes.GetValueOrDefault("db.system") == "postgresql");

        // The commit that made the scan durable is its own trace (it may carry many scans), linked both ways.
        var commit = await ServiceFixture.Eventually(() => Task.FromResult(setup.Receiver.Spans.FirstOrDefault(s =>
            s.Name == "group commit" && s.Links.Any(l => l.TraceId == trace))), TimeSpan.FromSeconds(30), "the group commit linked to the scan");
        Assert.Contains(spans, s => s.Links.Contains((commit.TraceId, commit.SpanId)));

        // The message leaves in the same trace: MassTransit's send span is a child of our publish span.
        Assert.Equal(4, publish.Kind);
        await ServiceFixture.Eventually(() => Task.FromResult(setup.Receiver.Spans.Any(s =>
            s.TraceId == trace && s.Scope == "MassTransit" && s.ParentSpanId == publish.SpanId)), TimeSpan.FromSeconds(30), "MassTransit's send span");
    }

    [Fact]
    public async Task The_meters_go_out_over_otlp_with_the_http_server_duration_and_our_counters()
    {
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("factory")));
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);

        foreach (var name in new[] { "http.server.request.duration", "kestrel.tls_handshake.duration", "tracktrace_scans_accepted", "tracktrace_webhook_backlog", "tracktrace_publish_lag" })
        {
            await ServiceFixture.Eventually(() => Task.FromResult(setup.Receiver.MetricNames.ContainsKey(name)), TimeSpan.FromSeconds(30),
                $"metric {name}");
        }
    }
}
