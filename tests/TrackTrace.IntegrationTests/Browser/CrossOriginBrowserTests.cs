using System.Net;
using System.Net.Http.Json;
using TrackTrace.Pki;
using TrackTrace.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TrackTrace.IntegrationTests.Browser;

/// <summary>
/// Cross-site request forgery in Chromium (tests/browser/cross-origin.mjs): a page on another origin,
/// opened by a browser that holds an admin's or a staff member's certificate, tries form POSTs and
/// fetches with credentials against suspend, resume and acknowledge. Afterwards the API shows that
/// nothing changed, while the service's own page still acknowledges.
/// </summary>
public sealed class CrossOriginBrowserTests(ServiceFixture setup, ITestOutputHelper output) : IClassFixture<ServiceFixture>
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_page_on_another_origin_cannot_make_a_staff_or_admin_browser_change_anything()
    {
        var tools = BrowserTools.Locate();
        var pki = Directory.CreateTempSubdirectory("tracktrace-cross-origin-").FullName;
        try
        {
            var staff = PemFiles.WriteCertificateAndKey(pki, "staff", await setup.Api.EnrollAsync("staff"));
            var admin = PemFiles.WriteCertificateAndKey(pki, "admin", TestPki.Instance.Admin);
            var station = await setup.Api.RegisterStationAsync("factory");
            var active = ServiceFixture.NewId("scanner").ToLowerInvariant();
            await setup.Api.EnrollAsync("scanner", station, active);
            var suspended = ServiceFixture.NewId("scanner").ToLowerInvariant();
            await setup.Api.EnrollAsync("scanner", station, suspended);
            await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{suspended}/suspend", new { reason = "lost" }), HttpStatusCode.OK);
            var alert = await RaiseAlertAsync();
            var ownAlert = await RaiseAlertAsync();
            var auditsBefore = new[] { await AuditLengthAsync(active), await AuditLengthAsync(suspended) };

            var run = await tools.RunScriptAsync("cross-origin.mjs", new Dictionary<string, string>
            {
                ["TRACKTRACE_URL"] = setup.Service.ApiAddress.GetLeftPart(UriPartial.Authority),
                ["TRACKTRACE_CA"] = TestPki.Instance.CaPath,
                ["NODE_EXTRA_CA_CERTS"] = TestPki.Instance.CaPath,
                ["TRACKTRACE_ADMIN_CERT"] = admin.CertificatePath,
                ["TRACKTRACE_ADMIN_KEY"] = admin.KeyPath,
                ["TRACKTRACE_STAFF_CERT"] = staff.CertificatePath,
                ["TRACKTRACE_STAFF_KEY"] = staff.KeyPath,
                ["TRACKTRACE_ACTIVE_DEVICE"] = active,
                ["TRACKTRACE_SUSPENDED_DEVICE"] = suspended,
                ["TRACKTRACE_ALERT"] = alert,
                ["TRACKTRACE_OWN_ALERT"] = ownAlert,
                ["CHROMIUM"] = tools.Chromium,
            }, ScriptTimeout);
            output.WriteLine(run.Output);

            // What an operator would look at afterwards, whatever the script concluded.
            Assert.Equal("active", await StatusOf(active));
            Assert.Equal("suspended", await StatusOf(suspended));
            Assert.Equal(auditsBefore, new[] { await AuditLengthAsync(active), await AuditLengthAsync(suspended) });
            Assert.False(await AcknowledgedAsync(alert), "the foreign page acknowledged the alert");
            Assert.True(run.ExitCode == 0, $"tests/browser/cross-origin.mjs exited with {run.ExitCode}:\n{run.Output}");
            Assert.True(await AcknowledgedAsync(ownAlert), "the staff page's own acknowledgement did not arrive");
        }
        finally
        {
            Directory.Delete(pki, recursive: true);
        }
    }

    private async Task<string> RaiseAlertAsync()
    {
        using var scanner = setup.Service.Client(await setup.Api.EnrollAsync("scanner", await setup.Api.RegisterStationAsync("destination")));
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Conflict);
        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts?shipmentId={shipment}"), HttpStatusCode.OK);
        return Assert.Single(alerts.GetProperty("items").EnumerateArray()).GetProperty("id").GetString()!;
    }

    private async Task<string> StatusOf(string deviceId) =>
        (await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.OK))
        .GetProperty("status").GetString()!;

    private async Task<int> AuditLengthAsync(string deviceId) =>
        (await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK)).GetArrayLength();

    private async Task<bool> AcknowledgedAsync(string alertId) =>
        (await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/alerts/{alertId}"), HttpStatusCode.OK))
        .GetProperty("acknowledged").GetBoolean();
}
