using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TrackTrace.Api.Security;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>
/// What a foreign web page can make a staff or admin browser send (a form, or a fetch without a CORS
/// preflight) changes nothing: every state change must be application/json and must not come from
/// another origin. Legitimate clients (no Origin, or the service's own) keep working, body-less ones too.
/// The browser itself is tested in Browser/CrossOriginBrowserTests.
/// </summary>
public sealed class CrossSiteRequestTests(ServiceFixture setup) : IClassFixture<ServiceFixture>
{
    private string OwnOrigin => setup.Service.ApiAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>Bodies a browser form or a preflight-free fetch can send.</summary>
    public static TheoryData<string, string> FormBodies => new()
    {
        { "text/plain", """{"reason":"csrf","x":"="}""" },
        { "text/plain", "" },
        { "application/x-www-form-urlencoded", "" },
        { "application/x-www-form-urlencoded", "reason=csrf" },
        { "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\ncsrf\r\n--b--\r\n" },
    };

    [Theory]
    [MemberData(nameof(FormBodies))]
    public async Task A_form_type_body_cannot_resume_a_suspended_device(string contentType, string body)
    {
        var deviceId = await SuspendedScannerAsync();

        var problem = await Refused(await Send(HttpMethod.Post, $"/api/devices/{deviceId}/resume", body, contentType),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        Assert.Equal(["application/json"], problem.GetProperty("acceptedContentTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("application/json", problem.GetProperty("detail").GetString());
        Assert.Equal("suspended", await StatusOf(deviceId));
    }

    [Theory]
    [MemberData(nameof(FormBodies))]
    public async Task A_form_type_body_cannot_suspend_acknowledge_release_or_enroll(string contentType, string body)
    {
        var deviceId = await ActiveScannerAsync();
        await Refused(await Send(HttpMethod.Post, $"/api/devices/{deviceId}/suspend", body, contentType),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        Assert.Equal("active", await StatusOf(deviceId));

        var alertId = await RaiseAlertAsync();
        await Refused(await Send(HttpMethod.Post, $"/api/alerts/{alertId}/ack", body, contentType),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        Assert.False(await AcknowledgedAsync(alertId));

        await Refused(await Send(HttpMethod.Post, "/api/shipments/ANY-SHIPMENT/release", body, contentType),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        await Refused(await Send(HttpMethod.Post, "/api/devices", body, contentType),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        await Refused(await Send(HttpMethod.Put, $"/api/devices/{deviceId}/attributes", body, contentType),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Origin", "http://localhost")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task A_json_state_change_from_another_origin_is_refused_and_changes_nothing(string header, string value)
    {
        var deviceId = await ActiveScannerAsync();
        var problem = await Refused(await Send(HttpMethod.Post, $"/api/devices/{deviceId}/suspend", """{"reason":"csrf"}""",
            "application/json", (header, value)), HttpStatusCode.Forbidden, "cross-origin-request");
        Assert.Contains(OwnOrigin, problem.GetProperty("detail").GetString());
        Assert.Equal("active", await StatusOf(deviceId));

        var suspended = await SuspendedScannerAsync();
        await Refused(await Send(HttpMethod.Post, $"/api/devices/{suspended}/resume", null, null, (header, value)),
            HttpStatusCode.Forbidden, "cross-origin-request");
        Assert.Equal("suspended", await StatusOf(suspended));

        var alertId = await RaiseAlertAsync();
        await Refused(await Send(HttpMethod.Post, $"/api/alerts/{alertId}/ack", "{}", "application/json", (header, value)),
            HttpStatusCode.Forbidden, "cross-origin-request");
        Assert.False(await AcknowledgedAsync(alertId));
    }

    [Fact]
    public async Task The_services_own_origin_and_clients_that_send_no_origin_keep_working()
    {
        var deviceId = await ActiveScannerAsync();
        await ServiceFixture.Expect(await Send(HttpMethod.Post, $"/api/devices/{deviceId}/suspend", """{"reason":"lost"}""",
            "application/json; charset=utf-8", ("Origin", OwnOrigin), ("Sec-Fetch-Site", "same-origin")), HttpStatusCode.OK);
        Assert.Equal("suspended", await StatusOf(deviceId));
        // A resume with nothing to say: no body, no Content-Type, no Origin (curl -X POST).
        await ServiceFixture.Expect(await Send(HttpMethod.Post, $"/api/devices/{deviceId}/resume", null, null), HttpStatusCode.OK);
        Assert.Equal("active", await StatusOf(deviceId));
        await ServiceFixture.Expect(await Send(HttpMethod.Post, $"/api/devices/{deviceId}/suspend", """{"reason":"again"}""",
            "Application/JSON;Charset=UTF-8"), HttpStatusCode.OK);

        var alertId = await RaiseAlertAsync();
        await ServiceFixture.Expect(await Send(HttpMethod.Post, $"/api/alerts/{alertId}/ack", null, null), HttpStatusCode.OK);
        Assert.True(await AcknowledgedAsync(alertId));
    }

    [Fact]
    public async Task A_body_less_delete_works_and_a_delete_with_a_form_body_or_from_another_origin_does_not()
    {
        var shipment = await setup.Api.RegisterShipmentAsync("ocean-reefer");
        var sensorId = ServiceFixture.NewId("sensor").ToLowerInvariant();
        await setup.Api.EnrollAsync("sensor", deviceId: sensorId);
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/shipments/{shipment}/sensors", new { deviceId = sensorId }), HttpStatusCode.OK);

        await Refused(await Send(HttpMethod.Delete, $"/api/shipments/{shipment}/sensors/{sensorId}", "x", "text/plain"),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        await Refused(await Send(HttpMethod.Delete, $"/api/shipments/{shipment}/sensors/{sensorId}", null, null, ("Origin", "https://evil.example")),
            HttpStatusCode.Forbidden, "cross-origin-request");
        await ServiceFixture.Expect(await Send(HttpMethod.Delete, $"/api/shipments/{shipment}/sensors/{sensorId}", null, null), HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; boundary=x")]
    [InlineData("application/merge-patch+json")]
    [InlineData("text/json")]
    [InlineData(null)]
    public async Task Json_means_application_json_in_utf_8(string? contentType)
    {
        var deviceId = await ActiveScannerAsync();
        var problem = await Refused(await Send(HttpMethod.Post, $"/api/devices/{deviceId}/suspend", """{"reason":"x"}""", contentType),
            HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        Assert.Contains(contentType ?? "without a Content-Type", problem.GetProperty("detail").GetString());
        Assert.Equal("active", await StatusOf(deviceId));
    }

    [Fact]
    public async Task A_suspended_scanner_is_refused_as_suspended_before_its_content_type_is_judged()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", station, deviceId));
        // Seen once, so the scan endpoint's authentication takes the remembered device and leaves the check to the write.
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{deviceId}/suspend", new { reason = "stolen" }), HttpStatusCode.OK);

        foreach (var (type, origin) in new[] { ("text/plain", (string?)null), ("application/json", "https://evil.example") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/scans")
            {
                Content = new StringContent("{}", Encoding.UTF8, type),
            };
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            var problem = await Refused(await scanner.SendAsync(request), HttpStatusCode.Forbidden, "device-rejected");
            Assert.Equal("suspended", problem.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task A_machine_endpoint_declares_its_own_content_type_and_the_same_guard_applies()
    {
        // The shape of EST's simpleenroll: a body of application/pkcs10, and nothing else.
        await using var instance = await ServiceInstance.StartAsync(setup.ConnectionString, setup.Broker, extend: app =>
            app.MapPost("/api/test/csr", async (HttpRequest request) =>
                {
                    using var body = new MemoryStream();
                    await request.Body.CopyToAsync(body);
                    return Results.Ok(new { bytes = body.Length });
                })
                .RequireAuthorization(Roles.Admin).AcceptsContentTypes("application/pkcs10"));
        using var admin = instance.Client(TestPki.Instance.Admin);

        HttpRequestMessage Csr(string contentType, string? origin = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/test/csr") { Content = new ByteArrayContent([0x30, 0x82, 0x01]) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            return request;
        }

        var taken = await ServiceFixture.Expect(await admin.SendAsync(Csr("application/pkcs10")), HttpStatusCode.OK);
        Assert.Equal(3, taken.GetProperty("bytes").GetInt32());
        var problem = await Refused(await admin.SendAsync(Csr("application/json")), HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        Assert.Equal(["application/pkcs10"], problem.GetProperty("acceptedContentTypes").EnumerateArray().Select(t => t.GetString()));
        await Refused(await admin.SendAsync(Csr("text/plain")), HttpStatusCode.UnsupportedMediaType, "unsupported-content-type");
        await Refused(await admin.SendAsync(Csr("application/pkcs10", "https://evil.example")), HttpStatusCode.Forbidden, "cross-origin-request");
    }

    private async Task<HttpResponseMessage> Send(
        HttpMethod method, string path, string? body, string? contentType, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await setup.Admin.SendAsync(request);
    }

    private static async Task<JsonElement> Refused(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var problem = await ServiceFixture.Expect(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"https://tracktrace.dev/problems/{type}", problem.GetProperty("type").GetString());
        return problem;
    }

    private async Task<string> ActiveScannerAsync()
    {
        var deviceId = ServiceFixture.NewId("scanner").ToLowerInvariant();
        await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("factory"), deviceId);
        return deviceId;
    }

    private async Task<string> SuspendedScannerAsync()
    {
        var deviceId = await ActiveScannerAsync();
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{deviceId}/suspend", new { reason = "lost" }), HttpStatusCode.OK);
        return deviceId;
    }

    private async Task<string> StatusOf(string deviceId) =>
        (await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.OK))
        .GetProperty("status").GetString()!;

    /// <summary>An out-of-sequence scan: a shipment scanned at its destination first.</summary>
    private async Task<string> RaiseAlertAsync()
    {
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("destination")));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Conflict);
        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        return Assert.Single(alerts.GetProperty("items").EnumerateArray()).GetProperty("id").GetString()!;
    }

    private async Task<bool> AcknowledgedAsync(string alertId) =>
        (await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts/{alertId}"), HttpStatusCode.OK))
        .GetProperty("acknowledged").GetBoolean();
}
