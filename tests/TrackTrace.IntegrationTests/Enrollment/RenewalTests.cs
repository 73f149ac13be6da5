using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Enrollment;

/// <summary>
/// A device renews itself over mTLS with a new key. The old certificate keeps working until the new
/// one is first used, then it is retired on every instance; used again after that, it suspends the
/// device and raises device-clone-suspected. A suspended or mismatching device cannot renew, and a
/// request for the key it has is refused.
/// </summary>
public sealed class RenewalTests(RenewalTests.Setup setup) : IClassFixture<RenewalTests.Setup>
{
    public sealed class Setup : ServiceFixture
    {
        public string Station { get; private set; } = "";
        public EstDevices Devices { get; private set; } = null!;

        /// <summary>A second instance on the same database: retirement must hold there too.</summary>
        public ServiceInstance Second { get; private set; } = null!;

        // Every device must carry epoch 7, so one whose epoch changes no longer matches.
        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?> { ["Devices:ExpectedAttributes:epoch"] = "7" };

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Second = await ServiceInstance.StartAsync(ConnectionString, Broker, Overrides);
            Station = await Api.RegisterStationAsync("factory");
            Devices = new EstDevices(Service, Admin);
        }

        public override async Task DisposeAsync()
        {
            if (Second is not null)
            {
                await Second.DisposeAsync();
            }

            await base.DisposeAsync();
        }

        public async Task<X509Certificate2> EnrolledScannerAsync()
        {
            var pending = await Devices.RegisterAsync("scanner", Station, attributes: new() { ["epoch"] = "7" });
            return await Devices.EnrollAsync(pending.DeviceId, pending.Token);
        }
    }

    private EstDevices Devices => setup.Devices;

    [Fact]
    public async Task A_renewed_certificate_retires_the_old_one_on_its_first_use_on_every_instance()
    {
        using var old = await setup.EnrolledScannerAsync();
        var deviceId = Id(old);
        using var renewed = await Devices.RenewAsync(old);
        Assert.NotEqual(Fingerprint.PublicKeySha256Hex(old), Fingerprint.PublicKeySha256Hex(renewed));
        Assert.Equal("CN=" + deviceId, renewed.Subject);

        // Until the new one is used, both work.
        await ScanAsync(setup.Service, old, HttpStatusCode.Created);
        var waiting = await Devices.DeviceAsync(deviceId);
        var oldView = Certificate(waiting, old);
        Assert.Equal(Fingerprint.Sha256Hex(renewed), oldView.GetProperty("renewedBy").GetString());
        Assert.False(oldView.GetProperty("retired").GetBoolean());

        await ScanAsync(setup.Service, renewed, HttpStatusCode.Created);

        var after = await Devices.DeviceAsync(deviceId);
        Assert.True(Certificate(after, old).GetProperty("retired").GetBoolean());
        var audit = (await Devices.AuditAsync(deviceId)).EnumerateArray().ToArray();
        var renewal = audit.Single(e => e.GetProperty("fact").GetString() == "certificate-renewed");
        Assert.Equal("device:" + deviceId, renewal.GetProperty("by").GetString());
        var retired = audit.Single(e => e.GetProperty("fact").GetString() == "certificate-retired");
        Assert.Equal("device:" + deviceId, retired.GetProperty("by").GetString());
        Assert.Contains("successor", retired.GetProperty("reason").GetString());
        await ScanAsync(setup.Second, renewed, HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_retired_certificate_used_after_its_successor_suspends_the_device_and_raises_an_alert()
    {
        using var old = await setup.EnrolledScannerAsync();
        var deviceId = Id(old);
        using var renewed = await Devices.RenewAsync(old);
        await ScanAsync(setup.Service, renewed, HttpStatusCode.Created);

        // The clone comes in on the other instance, with the key the device gave up.
        var refused = await ScanAsync(setup.Second, old, HttpStatusCode.Forbidden);
        Assert.Equal("certificate-retired", refused.GetProperty("reason").GetString());

        var device = await Devices.DeviceAsync(deviceId);
        Assert.Equal("suspended", device.GetProperty("status").GetString());
        var suspended = (await Devices.AuditAsync(deviceId)).EnumerateArray().Single(e => e.GetProperty("fact").GetString() == "suspended");
        Assert.Equal("monitor:retired-certificate-reused", suspended.GetProperty("by").GetString());
        var alert = Assert.Single(await Devices.AlertsAsync("device-clone-suspected", deviceId));
        Assert.Contains(Fingerprint.Sha256Hex(old), alert.GetProperty("detail").GetString());
        // The genuine device is cut off too until someone finds out which is which.
        var cut = await ScanAsync(setup.Service, renewed, HttpStatusCode.Forbidden);
        Assert.Equal("suspended", cut.GetProperty("reason").GetString());

        await ScanAsync(setup.Second, old, HttpStatusCode.Forbidden);
        Assert.Single(await Devices.AlertsAsync("device-clone-suspected", deviceId));
    }

    [Fact]
    public async Task The_old_certificate_may_renew_again_and_the_unused_successor_is_retired()
    {
        using var old = await setup.EnrolledScannerAsync();
        using var first = await Devices.RenewAsync(old);
        using var second = await Devices.RenewAsync(old);

        await ScanAsync(setup.Service, first, HttpStatusCode.Forbidden);
        await ScanAsync(setup.Service, second, HttpStatusCode.Created);

        var device = await Devices.DeviceAsync(Id(old));
        Assert.True(Certificate(device, first).GetProperty("retired").GetBoolean());
        Assert.True(Certificate(device, old).GetProperty("retired").GetBoolean());
        Assert.Equal("active", device.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Renewing_with_the_current_key_is_refused_with_400()
    {
        using var current = await setup.EnrolledScannerAsync();
        using var key = current.GetECDsaPrivateKey()!;

        var response = await PostReenrollAsync(current, Encoding.ASCII.GetBytes(Convert.ToBase64String(DeviceKeys.SigningRequest(key, Id(current)))));

        var problem = await ServiceFixture.Expect(response, HttpStatusCode.BadRequest);
        Assert.Equal("https://tracktrace.dev/problems/key-reused", problem.GetProperty("type").GetString());
        Assert.Single((await Devices.DeviceAsync(Id(current))).GetProperty("certificates").EnumerateArray());
    }

    [Fact]
    public async Task A_weak_key_or_a_broken_request_cannot_renew()
    {
        using var current = await setup.EnrolledScannerAsync();
        using var weak = RSA.Create(1024);
        var request = new CertificateRequest("CN=x", weak, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();

        var weakProblem = await ServiceFixture.Expect(await PostReenrollAsync(current, Encoding.ASCII.GetBytes(Convert.ToBase64String(request))),
            HttpStatusCode.BadRequest);
        var brokenProblem = await ServiceFixture.Expect(await PostReenrollAsync(current, "garbage"u8.ToArray()), HttpStatusCode.BadRequest);

        Assert.Equal("https://tracktrace.dev/problems/key-not-accepted", weakProblem.GetProperty("type").GetString());
        Assert.Equal("https://tracktrace.dev/problems/csr-unreadable", brokenProblem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_suspended_device_cannot_renew()
    {
        using var current = await setup.EnrolledScannerAsync();
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{Id(current)}/suspend", new { reason = "stolen" }), HttpStatusCode.OK);

        var response = await PostReenrollAsync(current, EstDevices.NewRequest(Id(current), out var key));
        key.Dispose();

        var problem = await ServiceFixture.Expect(response, HttpStatusCode.Forbidden);
        Assert.Equal("suspended", problem.GetProperty("reason").GetString());
        Assert.Single((await Devices.DeviceAsync(Id(current))).GetProperty("certificates").EnumerateArray());
    }

    [Fact]
    public async Task A_device_whose_attributes_no_longer_match_cannot_renew()
    {
        using var current = await setup.EnrolledScannerAsync();
        await ServiceFixture.Expect(await setup.Admin.PutAsJsonAsync($"/api/devices/{Id(current)}/attributes",
            new { attributes = new { epoch = "6" }, reason = "previous key epoch" }), HttpStatusCode.OK);

        var response = await PostReenrollAsync(current, EstDevices.NewRequest(Id(current), out var key));
        key.Dispose();

        var problem = await ServiceFixture.Expect(response, HttpStatusCode.Forbidden);
        Assert.Equal(("attribute-mismatch", "epoch"), (problem.GetProperty("reason").GetString(), problem.GetProperty("attribute").GetString()));
    }

    [Fact]
    public async Task Any_role_renews_itself_and_the_renewal_is_bound_as_the_devices_own_act()
    {
        var pending = await Devices.RegisterAsync("sensor", attributes: new() { ["epoch"] = "7" });
        using var sensor = await Devices.EnrollAsync(pending.DeviceId, pending.Token);

        using var renewed = await Devices.RenewAsync(sensor);

        var renewal = (await Devices.AuditAsync(pending.DeviceId)).EnumerateArray().Last();
        Assert.Equal("certificate-renewed", renewal.GetProperty("fact").GetString());
        Assert.Equal("device:" + pending.DeviceId, renewal.GetProperty("by").GetString());
        Assert.Equal(Fingerprint.Sha256Hex(renewed), renewal.GetProperty("details").GetProperty("certificate").GetProperty("fingerprint").GetString());
        Assert.Equal(Fingerprint.Sha256Hex(sensor), renewal.GetProperty("details").GetProperty("replaces").GetString());
    }

    [Fact]
    public async Task The_renewal_answer_is_a_PKCS7_unless_a_PEM_chain_is_asked_for()
    {
        using var current = await setup.EnrolledScannerAsync();

        var response = await PostReenrollAsync(current, EstDevices.NewRequest(Id(current), out var key), accept: null);
        key.Dispose();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pkcs7-mime; smime-type=certs-only", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("CN=" + Id(current), Assert.Single(Pkcs7CertsOnly.Decode(await response.Content.ReadAsByteArrayAsync())).Subject);
    }

    [Fact]
    public async Task A_renewal_body_of_another_type_is_refused_by_the_state_change_guard()
    {
        using var current = await setup.EnrolledScannerAsync();

        var response = await PostReenrollAsync(current, EstDevices.NewRequest(Id(current), out var key), contentType: "text/plain");
        key.Dispose();

        await ServiceFixture.Expect(response, HttpStatusCode.UnsupportedMediaType);
    }

    private static string Id(X509Certificate2 certificate) => certificate.GetNameInfo(X509NameType.SimpleName, false);

    private static JsonElement Certificate(JsonElement device, X509Certificate2 certificate) =>
        device.GetProperty("certificates").EnumerateArray().Single(c => c.GetProperty("fingerprint").GetString() == Fingerprint.Sha256Hex(certificate));

    private async Task<JsonElement> ScanAsync(ServiceInstance instance, X509Certificate2 certificate, HttpStatusCode status)
    {
        using var client = instance.Client(certificate);
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        return await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, shipment), status);
    }

    private async Task<HttpResponseMessage> PostReenrollAsync(
        X509Certificate2 current, byte[] body, string contentType = EstMediaTypes.Pkcs10, string? accept = EstMediaTypes.PemCertificateChain)
    {
        using var client = setup.Service.Client(current);
        using var request = new HttpRequestMessage(HttpMethod.Post, EstClient.SimpleReenrollPath) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
