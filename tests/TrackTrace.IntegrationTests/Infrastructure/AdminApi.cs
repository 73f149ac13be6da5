using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>The admin's moves over the API, for any running service.</summary>
public sealed class AdminApi(HttpClient admin)
{
    public async Task<string> RegisterStationAsync(string type, string? id = null)
    {
        id ??= ServiceFixture.NewId(type);
        var response = await admin.PostAsJsonAsync("/api/stations", new { stationId = id, type, name = $"{type} {id}" });
        await ServiceFixture.Expect(response, HttpStatusCode.Created);
        return id;
    }

    /// <summary>Issues a certificate from the test CA and enrolls it; returns the certificate with its key.</summary>
    public async Task<X509Certificate2> EnrollAsync(
        string role, string? stationId = null, string? deviceId = null, Dictionary<string, string>? attributes = null)
    {
        deviceId ??= ServiceFixture.NewId(role).ToLowerInvariant();
        var certificate = TestPki.Instance.IssueDevice(deviceId);
        await EnrollCertificateAsync(certificate, deviceId, role, stationId, attributes);
        return certificate;
    }

    /// <summary>Enrolls a certificate made elsewhere (e.g. by the issuing CA for a key only the test holds).</summary>
    public async Task EnrollCertificateAsync(
        X509Certificate2 certificate, string deviceId, string role, string? stationId = null, Dictionary<string, string>? attributes = null)
    {
        var response = await admin.PostAsJsonAsync("/api/devices", new
        {
            deviceId, role, stationId, certificate = TestPki.Pem(certificate), attributes,
        });
        await ServiceFixture.Expect(response, HttpStatusCode.Created);
    }

    public async Task<string> RegisterShipmentAsync(string route, string? id = null)
    {
        id ??= ServiceFixture.NewId("SHP");
        var response = await admin.PostAsJsonAsync("/api/shipments", new { shipmentId = id, route, description = "test" });
        await ServiceFixture.Expect(response, HttpStatusCode.Created);
        return id;
    }
}
