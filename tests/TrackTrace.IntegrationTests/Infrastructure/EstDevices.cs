using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>A pending device as the admin registered it: its id and the token shown once.</summary>
public sealed record PendingDevice(string DeviceId, string Token, DateTimeOffset ExpiresAt, JsonElement Answer);

/// <summary>Devices that make their own keys and enroll over EST, as a scanner in the field would.</summary>
public sealed class EstDevices(ServiceInstance service, HttpClient admin)
{
    public async Task<PendingDevice> RegisterAsync(
        string role, string? stationId = null, string? deviceId = null, Dictionary<string, string>? attributes = null)
    {
        deviceId ??= ServiceFixture.NewId(role).ToLowerInvariant();
        var answer = await ServiceFixture.Expect(await admin.PostAsJsonAsync("/api/devices", new { deviceId, role, stationId, attributes }),
            HttpStatusCode.Created);
        return new PendingDevice(deviceId, answer.GetProperty("enrollmentToken").GetString()!,
            answer.GetProperty("enrollmentExpiresAt").GetDateTimeOffset(), answer);
    }

    /// <summary>A fresh token for the device (the one before is voided).</summary>
    public async Task<string> NewTokenAsync(string deviceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/devices/{deviceId}/enrollment-token");
        var answer = await ServiceFixture.Expect(await admin.SendAsync(request), HttpStatusCode.OK);
        return answer.GetProperty("enrollmentToken").GetString()!;
    }

    /// <summary>Makes a P-256 key only this call holds, enrolls it with the token and returns the certificate with that key.</summary>
    public async Task<X509Certificate2> EnrollAsync(string deviceId, string token)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = service.EnrollmentClient();
        var issued = await new EstClient(client).SimpleEnrollAsync(deviceId, token, DeviceKeys.SigningRequest(key, deviceId));
        return issued.Certificate.CopyWithPrivateKey(key);
    }

    public async Task<X509Certificate2> RegisterAndEnrollAsync(string role, string? stationId = null)
    {
        var pending = await RegisterAsync(role, stationId);
        return await EnrollAsync(pending.DeviceId, pending.Token);
    }

    /// <summary>Renews over mTLS with <paramref name="current"/> and a new key; returns the new certificate with its key.</summary>
    public async Task<X509Certificate2> RenewAsync(X509Certificate2 current)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = service.Client(current);
        var issued = await new EstClient(client).SimpleReenrollAsync(
            DeviceKeys.SigningRequest(key, current.GetNameInfo(X509NameType.SimpleName, false)));
        return issued.Certificate.CopyWithPrivateKey(key);
    }

    /// <summary>A raw simpleenroll: any credentials, any body, any content type; the answer as it came.</summary>
    public async Task<HttpResponseMessage> PostEnrollAsync(
        string? credentials, byte[] body, string contentType = EstMediaTypes.Pkcs10, string? accept = null)
    {
        using var client = service.EnrollmentClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, EstClient.SimpleEnrollPath)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (credentials is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>A request for a new P-256 key, base64 DER as EST sends it.</summary>
    public static byte[] NewRequest(string commonName, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Encoding.ASCII.GetBytes(Convert.ToBase64String(DeviceKeys.SigningRequest(key, commonName)));
    }

    public async Task<JsonElement> DeviceAsync(string deviceId) =>
        await ServiceFixture.Expect(await admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.OK);

    public async Task<JsonElement> AuditAsync(string deviceId) =>
        await ServiceFixture.Expect(await admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);

    public async Task<JsonElement[]> AlertsAsync(string type, string deviceId)
    {
        var page = await ServiceFixture.Expect(await admin.GetAsync($"/api/alerts?type={type}&pageSize=200"), HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Where(a => a.TryGetProperty("deviceId", out var id) && id.GetString() == deviceId).ToArray();
    }
}
