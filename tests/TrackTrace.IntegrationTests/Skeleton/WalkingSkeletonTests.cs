using System.Net;
using System.Text.Json;
using Marten;
using TrackTrace.Domain.Stations;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Skeleton;

public sealed class WalkingSkeletonTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task Health_names_postgresql_and_rabbitmq_and_is_healthy_when_both_answer()
    {
        using var health = fixture.Service.HealthClient();
        var body = await ServiceFixture.Eventually(async () =>
        {
            var response = await health.GetAsync("/health");
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return response.StatusCode == HttpStatusCode.OK && json.GetProperty("status").GetString() == "healthy"
                ? (JsonElement?)json
                : null;
        }, what: "a healthy /health");

        var checks = body!.Value.GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("postgresql").GetProperty("status").GetString());
        Assert.Equal("healthy", checks.GetProperty("rabbitmq").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_port_serves_health_only_and_the_api_port_serves_no_health()
    {
        using var health = fixture.Service.HealthClient();
        Assert.Equal(HttpStatusCode.NotFound, (await health.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await health.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Swagger_ui_and_document_are_served_with_an_mtls_scheme_and_roles()
    {
        var ui = await fixture.Admin.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        var document = await ServiceFixture.Expect(await fixture.Admin.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        Assert.Equal("mutualTLS",
            document.GetProperty("components").GetProperty("securitySchemes").GetProperty("mutualTLS").GetProperty("type").GetString());
        var scan = document.GetProperty("paths").GetProperty("/api/scans").GetProperty("post");
        Assert.StartsWith("Roles: scanner", scan.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Marten_round_trip_stores_events_and_reads_the_inline_projection_back()
    {
        var store = fixture.Service.Get<IDocumentStore>();
        var id = ServiceFixture.NewId("RT");
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream<Station>(Station.StreamKey(id),
                new StationRegistered(id, "port", "Round trip", null, "test", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        await using var query = store.QuerySession();
        var station = await query.LoadAsync<Station>(Station.StreamKey(id));
        Assert.NotNull(station);
        Assert.Equal("port", station.Type);
        var events = await query.Events.FetchStreamAsync(Station.StreamKey(id));
        Assert.IsType<StationRegistered>(Assert.Single(events).Data);
    }

    [Fact]
    public async Task Unknown_routes_answer_problem_json()
    {
        var response = await fixture.Admin.GetAsync("/api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
