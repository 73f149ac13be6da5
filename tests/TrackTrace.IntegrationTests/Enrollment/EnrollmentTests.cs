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
/// A device registered by an admin makes its own key and enrolls over EST on the enrollment port
/// with its one-time token, then scans over mTLS with the certificate. Every way the token can be
/// wrong is a 401 that issues nothing, is audited, and alerts once per device and window; a
/// suspended device is a 403; a weak or broken request a 400.
/// </summary>
public sealed class EnrollmentTests(EnrollmentTests.Setup setup) : IClassFixture<EnrollmentTests.Setup>
{
    public sealed class Setup : ServiceFixture
    {
        public string Station { get; private set; } = "";
        public EstDevices Devices { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Station = await Api.RegisterStationAsync("factory");
            Devices = new EstDevices(Service, Admin);
        }
    }

    private EstDevices Devices => setup.Devices;

    [Fact]
    public async Task A_pending_device_enrolls_a_key_only_it_holds_and_then_scans_with_it()
    {
        var pending = await Devices.RegisterAsync("scanner", setup.Station);
        Assert.True(pending.Answer.GetProperty("pending").GetBoolean());
        Assert.Equal(43, pending.Token.Length); // 32 random bytes, base64url
        var expected = DateTimeOffset.UtcNow.AddHours(24);
        Assert.InRange(pending.ExpiresAt, expected.AddMinutes(-5), expected.AddMinutes(5));
        Assert.EndsWith("/.well-known/est/simpleenroll", pending.Answer.GetProperty("enrollAt").GetString());
        var before = await Devices.DeviceAsync(pending.DeviceId);
        Assert.True(before.GetProperty("pending").GetBoolean());
        Assert.Empty(before.GetProperty("certificates").EnumerateArray());
        Assert.Equal("live", before.GetProperty("enrollmentToken").GetProperty("state").GetString());

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = setup.Service.EnrollmentClient();
        var est = new EstClient(client);
        var published = await est.CaCertificatesAsync();
        var issued = await est.SimpleEnrollAsync(pending.DeviceId, pending.Token, DeviceKeys.SigningRequest(key, "whatever-the-device-asks"));

        // The certificate: CN = the device (not what the request asked for), clientAuth only, not a CA, 30 days, the test's key.
        EstClient.VerifyIssued(issued.Certificate, pending.DeviceId, TestPki.Instance.Ca, published);
        Assert.Contains(published, c => c.Thumbprint == TestPki.Instance.Issuing.Certificate.Thumbprint);
        Assert.Equal(TestPki.Instance.Issuing.Certificate.Subject, issued.Certificate.Issuer);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], issued.Certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single()
            .EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!));
        Assert.False(issued.Certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.InRange((issued.Certificate.NotAfter - issued.Certificate.NotBefore).TotalDays, 30, 30.01);
        using var certificate = issued.Certificate.CopyWithPrivateKey(key);

        using var scanner = setup.Service.Client(certificate);
        var shipment = await setup.Api.RegisterShipmentAsync("road-domestic");
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Created);

        var after = await Devices.DeviceAsync(pending.DeviceId);
        Assert.False(after.GetProperty("pending").GetBoolean());
        Assert.Equal(Fingerprint.Sha256Hex(certificate), after.GetProperty("certificates")[0].GetProperty("fingerprint").GetString());
        Assert.Equal("used", after.GetProperty("enrollmentToken").GetProperty("state").GetString());
        var audit = await Devices.AuditAsync(pending.DeviceId);
        Assert.Equal(["registered", "enrollment-token-issued", "enrolled-with-token"], Facts(audit));
        Assert.Equal("device:" + pending.DeviceId, audit[2].GetProperty("by").GetString());
        Assert.Equal("admin", audit[0].GetProperty("by").GetString());
        Assert.DoesNotContain(pending.Token, audit.GetRawText());
        Assert.DoesNotContain(Hash(pending.Token), audit.GetRawText());
        Assert.DoesNotContain(Hash(pending.Token), after.GetRawText());
    }

    [Fact]
    public async Task Asked_for_a_PEM_chain_the_answer_is_the_certificate_then_its_issuing_CA()
    {
        var pending = await Devices.RegisterAsync("sensor");
        var request = EstDevices.NewRequest(pending.DeviceId, out var key);
        using (key)
        {
            using var response = await Devices.PostEnrollAsync($"{pending.DeviceId}:{pending.Token}", request, accept: EstMediaTypes.PemCertificateChain);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(EstMediaTypes.PemCertificateChain, response.Content.Headers.ContentType?.MediaType);
            var chain = PemCertificateChain.Read(await response.Content.ReadAsStringAsync());
            Assert.Equal(2, chain.Count);
            Assert.Equal("CN=" + pending.DeviceId, chain[0].Subject);
            Assert.Equal(TestPki.Instance.Issuing.Certificate.Thumbprint, chain[1].Thumbprint);
        }
    }

    [Fact]
    public async Task By_default_the_answer_is_a_base64_certs_only_PKCS7()
    {
        var pending = await Devices.RegisterAsync("sensor");
        var request = EstDevices.NewRequest(pending.DeviceId, out var key);
        using (key)
        {
            using var response = await Devices.PostEnrollAsync($"{pending.DeviceId}:{pending.Token}", request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/pkcs7-mime; smime-type=certs-only", response.Content.Headers.ContentType?.ToString());
            var certificates = Pkcs7CertsOnly.Decode(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal("CN=" + pending.DeviceId, Assert.Single(certificates).Subject);
        }
    }

    [Fact]
    public async Task A_replayed_token_is_refused_with_401_issues_nothing_and_is_audited_and_alerted_once()
    {
        var pending = await Devices.RegisterAsync("sensor");
        using var first = await Devices.EnrollAsync(pending.DeviceId, pending.Token);

        var replay = await RefusedAsync(pending.DeviceId, pending.Token, HttpStatusCode.Unauthorized, "enrollment-token-used");
        await RefusedAsync(pending.DeviceId, pending.Token, HttpStatusCode.Unauthorized, "enrollment-token-used");

        Assert.Equal("Basic realm=\"tracktrace-est\"", replay.Headers.WwwAuthenticate.ToString());
        var device = await Devices.DeviceAsync(pending.DeviceId);
        Assert.Single(device.GetProperty("certificates").EnumerateArray());
        var audit = await Devices.AuditAsync(pending.DeviceId);
        var refused = audit.EnumerateArray().Where(e => e.GetProperty("fact").GetString() == "enrollment-refused").ToArray();
        Assert.Equal("token-used", Assert.Single(refused).GetProperty("reason").GetString()); // the second within the window is not recorded again
        await ServiceFixture.Eventually(async () => (await Devices.AlertsAsync("enrollment-refused", pending.DeviceId)).Length == 1,
            what: "one enrollment-refused alert");
        Assert.Single(await Devices.AlertsAsync("enrollment-refused", pending.DeviceId));
    }

    [Fact]
    public async Task Two_enrollments_with_one_token_at_once_bind_one_certificate()
    {
        var pending = await Devices.RegisterAsync("sensor");
        var requests = Enumerable.Range(0, 4).Select(_ => EstDevices.NewRequest(pending.DeviceId, out ECDsa _)).ToArray();

        var answers = await Task.WhenAll(requests.Select(r => Devices.PostEnrollAsync($"{pending.DeviceId}:{pending.Token}", r)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        Assert.Single((await Devices.DeviceAsync(pending.DeviceId)).GetProperty("certificates").EnumerateArray());
    }

    [Fact]
    public async Task A_wrong_token_is_refused_without_saying_more()
    {
        var pending = await Devices.RegisterAsync("sensor");

        var refused = await RefusedAsync(pending.DeviceId, "not-the-token", HttpStatusCode.Unauthorized, "enrollment-credentials-invalid");

        Assert.Equal("Basic realm=\"tracktrace-est\"", refused.Headers.WwwAuthenticate.ToString());
        var audit = await Devices.AuditAsync(pending.DeviceId);
        Assert.Equal("token-wrong", audit.EnumerateArray().Last().GetProperty("reason").GetString());
        Assert.Equal(1, (await Devices.DeviceAsync(pending.DeviceId)).GetProperty("enrollmentToken").GetProperty("wrongAttempts").GetInt32());
        using var enrolled = await Devices.EnrollAsync(pending.DeviceId, pending.Token); // the right one still works
    }

    [Fact]
    public async Task Another_devices_token_is_refused_and_leaves_that_token_usable_by_its_own_device()
    {
        var mine = await Devices.RegisterAsync("sensor");
        var theirs = await Devices.RegisterAsync("sensor");

        await RefusedAsync(mine.DeviceId, theirs.Token, HttpStatusCode.Unauthorized, "enrollment-credentials-invalid");

        Assert.True((await Devices.DeviceAsync(mine.DeviceId)).GetProperty("pending").GetBoolean());
        using var certificate = await Devices.EnrollAsync(theirs.DeviceId, theirs.Token);
        Assert.Equal("CN=" + theirs.DeviceId, certificate.Subject);
    }

    [Fact]
    public async Task A_token_replaced_by_a_new_one_is_voided_and_the_new_one_enrolls()
    {
        var pending = await Devices.RegisterAsync("sensor");
        var fresh = await Devices.NewTokenAsync(pending.DeviceId);

        await RefusedAsync(pending.DeviceId, pending.Token, HttpStatusCode.Unauthorized, "enrollment-token-voided");

        using var certificate = await Devices.EnrollAsync(pending.DeviceId, fresh);
        var facts = Facts(await Devices.AuditAsync(pending.DeviceId));
        Assert.Equal(["registered", "enrollment-token-issued", "enrollment-token-voided", "enrollment-token-issued", "enrollment-refused",
            "enrolled-with-token"], facts);
    }

    [Fact]
    public async Task Five_wrong_tokens_void_the_token_until_an_admin_issues_a_new_one()
    {
        var pending = await Devices.RegisterAsync("sensor");
        for (var i = 0; i < 5; i++)
        {
            await RefusedAsync(pending.DeviceId, $"guess-{i}", HttpStatusCode.Unauthorized, "enrollment-credentials-invalid");
        }

        await RefusedAsync(pending.DeviceId, pending.Token, HttpStatusCode.Unauthorized, "enrollment-token-voided");

        var audit = await Devices.AuditAsync(pending.DeviceId);
        var voided = audit.EnumerateArray().Single(e => e.GetProperty("fact").GetString() == "enrollment-token-voided");
        Assert.Equal("monitor:enrollment-attempts", voided.GetProperty("by").GetString());
        Assert.Equal("voided", (await Devices.DeviceAsync(pending.DeviceId)).GetProperty("enrollmentToken").GetProperty("state").GetString());
        using var certificate = await Devices.EnrollAsync(pending.DeviceId, await Devices.NewTokenAsync(pending.DeviceId));
    }

    [Fact]
    public async Task A_suspended_device_cannot_enroll_and_can_once_resumed()
    {
        var pending = await Devices.RegisterAsync("sensor");
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{pending.DeviceId}/suspend", new { reason = "lost in transit" }),
            HttpStatusCode.OK);

        await RefusedAsync(pending.DeviceId, pending.Token, HttpStatusCode.Forbidden, "device-suspended");

        Assert.True((await Devices.DeviceAsync(pending.DeviceId)).GetProperty("pending").GetBoolean());
        await ServiceFixture.Expect(await setup.Admin.PostAsJsonAsync($"/api/devices/{pending.DeviceId}/resume", new { reason = "found" }),
            HttpStatusCode.OK);
        using var certificate = await Devices.EnrollAsync(pending.DeviceId, pending.Token);
    }

    [Fact]
    public async Task An_unknown_device_and_missing_credentials_are_refused_like_a_wrong_token()
    {
        var request = EstDevices.NewRequest("nobody", out var key);
        key.Dispose();

        using var unknown = await Devices.PostEnrollAsync("nobody-" + Guid.NewGuid().ToString("N")[..8] + ":token", request);
        using var none = await Devices.PostEnrollAsync(null, request);
        using var unreadable = await Devices.PostEnrollAsync("no colon at all", request);

        foreach (var response in new[] { unknown, none, unreadable })
        {
            var problem = await ServiceFixture.Expect(response, HttpStatusCode.Unauthorized);
            Assert.Equal("https://tracktrace.dev/problems/enrollment-credentials-invalid", problem.GetProperty("type").GetString());
            Assert.Equal("Basic realm=\"tracktrace-est\"", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task A_weak_key_is_refused_with_400_and_the_token_stays_usable()
    {
        var pending = await Devices.RegisterAsync("sensor");
        using var weak = RSA.Create(1024);
        var request = Encoding.ASCII.GetBytes(Convert.ToBase64String(
            new CertificateRequest("CN=" + pending.DeviceId, weak, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest()));

        using var response = await Devices.PostEnrollAsync($"{pending.DeviceId}:{pending.Token}", request);

        var problem = await ServiceFixture.Expect(response, HttpStatusCode.BadRequest);
        Assert.Equal("https://tracktrace.dev/problems/key-not-accepted", problem.GetProperty("type").GetString());
        Assert.Contains("RSA key of 1024 bits", problem.GetProperty("detail").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("csr", out _));
        using var certificate = await Devices.EnrollAsync(pending.DeviceId, pending.Token);
    }

    [Theory]
    [InlineData("not base64 at all!", "csr-unreadable")]
    [InlineData("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "csr-unreadable")]
    [InlineData("tampered", "csr-signature-invalid")]
    public async Task A_broken_request_is_refused_with_400_naming_what_is_wrong(string body, string problemType)
    {
        var pending = await Devices.RegisterAsync("sensor");
        var bytes = body == "tampered" ? Tampered(pending.DeviceId) : Encoding.ASCII.GetBytes(body);

        using var response = await Devices.PostEnrollAsync($"{pending.DeviceId}:{pending.Token}", bytes);

        var problem = await ServiceFixture.Expect(response, HttpStatusCode.BadRequest);
        Assert.Equal("https://tracktrace.dev/problems/" + problemType, problem.GetProperty("type").GetString());
        Assert.True((await Devices.DeviceAsync(pending.DeviceId)).GetProperty("pending").GetBoolean());
    }

    [Fact]
    public async Task A_request_body_of_another_type_is_refused_by_the_state_change_guard()
    {
        var pending = await Devices.RegisterAsync("sensor");
        var request = EstDevices.NewRequest(pending.DeviceId, out var key);
        key.Dispose();

        using var response = await Devices.PostEnrollAsync($"{pending.DeviceId}:{pending.Token}", request, "application/x-www-form-urlencoded");

        var problem = await ServiceFixture.Expect(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(["application/pkcs10"], problem.GetProperty("acceptedContentTypes").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_enrollment_port_serves_nothing_but_cacerts_and_simpleenroll()
    {
        using var client = setup.Service.EnrollmentClient();
        foreach (var path in new[] { "/api/workflows", "/api/devices", "/health", "/metrics", "/swagger/index.html", "/", "/.well-known/est/simplereenroll", "/.well-known/est/csrattrs" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }

        using var post = await client.PostAsJsonAsync("/api/devices", new { deviceId = "sneaky", role = "admin" });
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        using var cacerts = await client.GetAsync("/.well-known/est/cacerts");
        Assert.Equal(HttpStatusCode.OK, cacerts.StatusCode);
        Assert.Equal("base64", cacerts.Headers.GetValues("Content-Transfer-Encoding").Single());
    }

    [Fact]
    public async Task The_mTLS_port_does_not_serve_enrollment()
    {
        foreach (var path in new[] { "/.well-known/est/cacerts", "/.well-known/est/simpleenroll" })
        {
            using var response = await setup.Admin.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_enrollment_port_never_asks_for_a_client_certificate_and_ignores_one_offered()
    {
        // Offering the admin's certificate there changes nothing: no device is authenticated on that port.
        using var client = new HttpClient(TrustedChannel.CreateHandler(TestPki.Instance.Ca, TestPki.Instance.Admin))
        {
            BaseAddress = setup.Service.EnrollmentAddress,
        };

        using var response = await client.GetAsync("/api/devices");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Issuance_is_audited_with_the_certificate_and_the_key_kind()
    {
        var pending = await Devices.RegisterAsync("staff");
        using var certificate = await Devices.EnrollAsync(pending.DeviceId, pending.Token);

        var enrolled = (await Devices.AuditAsync(pending.DeviceId)).EnumerateArray().Last();

        Assert.Equal("enrolled-with-token", enrolled.GetProperty("fact").GetString());
        Assert.Equal(Fingerprint.Sha256Hex(certificate), enrolled.GetProperty("details").GetProperty("certificate").GetProperty("fingerprint").GetString());
        Assert.Equal("ECDSA P-256", enrolled.GetProperty("details").GetProperty("keyAlgorithm").GetString());
    }

    private async Task<HttpResponseMessage> RefusedAsync(string deviceId, string token, HttpStatusCode status, string problemType)
    {
        var request = EstDevices.NewRequest(deviceId, out var key);
        key.Dispose();
        var response = await Devices.PostEnrollAsync($"{deviceId}:{token}", request);
        var problem = await ServiceFixture.Expect(response, status);
        Assert.Equal("https://tracktrace.dev/problems/" + problemType, problem.GetProperty("type").GetString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    private static string[] Facts(JsonElement audit) => audit.EnumerateArray().Select(e => e.GetProperty("fact").GetString()!).ToArray();

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A request whose signature no longer matches what it signs: one bit of the subject flipped.</summary>
    private static byte[] Tampered(string deviceId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = DeviceKeys.SigningRequest(key, deviceId);
        var at = der.AsSpan().IndexOf(Encoding.ASCII.GetBytes(deviceId));
        der[at] ^= 0x01;
        return Encoding.ASCII.GetBytes(Convert.ToBase64String(der));
    }
}
