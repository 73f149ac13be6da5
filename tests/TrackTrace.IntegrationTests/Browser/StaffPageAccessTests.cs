using System.Net;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Browser;

/// <summary>Who gets the staff page's files over mutual TLS, and what they are served as.</summary>
public sealed class StaffPageAccessTests(ServiceFixture setup) : IClassFixture<ServiceFixture>
{
    public static TheoryData<string, string> Files => new()
    {
        { "/", "text/html" },
        { "/ui/app.js", "text/javascript" },
        { "/ui/api.js", "text/javascript" },
        { "/ui/staff.css", "text/css" },
        { "/ui/devices.js", "text/javascript" },
        { "/ui/device.js", "text/javascript" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Staff_get_the_page_with_a_policy_that_allows_only_its_own_origin(string path, string contentType)
    {
        using var staff = setup.Service.Client(await setup.Api.EnrollAsync("staff"));
        var response = await staff.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotNull(response.Headers.ETag);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);

        var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, (await staff.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task Admins_get_the_page_too()
    {
        var response = await setup.Admin.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<main", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("scanner")]
    [InlineData("sensor")]
    public async Task Devices_of_other_roles_are_refused_with_403(string role)
    {
        var station = role == "scanner" ? await setup.Api.RegisterStationAsync("factory") : null;
        using var device = setup.Service.Client(await setup.Api.EnrollAsync(role, station));
        foreach (var path in new[] { "/", "/ui/app.js" })
        {
            var problem = await ServiceFixture.Expect(await device.GetAsync(path), HttpStatusCode.Forbidden);
            Assert.EndsWith("/role-not-allowed", problem.GetProperty("type").GetString());
            Assert.Equal(["staff", "admin"], problem.GetProperty("allowedRoles").EnumerateArray().Select(r => r.GetString()));
        }
    }

    [Fact]
    public async Task A_certificate_from_our_CA_that_was_never_enrolled_is_refused_with_403()
    {
        using var stranger = setup.Service.Client(TestPki.Instance.IssueDevice("never-enrolled-browser"));
        var problem = await ServiceFixture.Expect(await stranger.GetAsync("/"), HttpStatusCode.Forbidden);
        Assert.EndsWith("/device-rejected", problem.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("/ui/missing.js")]
    [InlineData("/ui/..%2Fappsettings.json")]
    [InlineData("/ui/%2E%2E%2Findex.html")]
    [InlineData("/ui/App.JS")]
    public async Task Nothing_but_the_page_files_is_served(string path)
    {
        using var staff = setup.Service.Client(await setup.Api.EnrollAsync("staff"));
        var problem = await ServiceFixture.Expect(await staff.GetAsync(path), HttpStatusCode.NotFound);
        Assert.EndsWith("/not-found", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_loopback_health_port_does_not_serve_the_page()
    {
        using var health = setup.Service.HealthClient();
        Assert.Equal(HttpStatusCode.NotFound, (await health.GetAsync("/")).StatusCode);
    }
}
