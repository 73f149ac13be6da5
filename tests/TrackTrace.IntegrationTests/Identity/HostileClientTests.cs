using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>Every way of not being a legitimate device: refused, and nothing of it stored.</summary>
public sealed class HostileClientTests(HostileClientTests.Setup setup) : IClassFixture<HostileClientTests.Setup>
{
    public sealed class Setup : ServiceFixture
    {
        public string FactoryStation { get; private set; } = "";
        public string ScannerId { get; } = NewId("scanner").ToLowerInvariant();
        public X509Certificate2 Scanner { get; private set; } = null!;
        public string Shipment { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            FactoryStation = await Api.RegisterStationAsync("factory");
            Scanner = await Api.EnrollAsync("scanner", FactoryStation, ScannerId);
            Shipment = await Api.RegisterShipmentAsync("road-domestic");
        }
    }

    private static CertificateAuthority Ours => TestPki.Instance.Authority;

    public static TheoryData<string> RefusedInTheHandshake =>
    [
        "none", "expired", "not-yet-valid", "other-ca-same-subject", "self-signed-same-cn", "server-auth-only",
        "no-eku", "the-ca-itself", "intermediate-ca-with-client-auth",
    ];

    [Theory]
    [MemberData(nameof(RefusedInTheHandshake))]
    public async Task Refused_in_the_tls_handshake_and_nothing_is_stored(string kind)
    {
        using var client = setup.Service.Client(Certificate(kind));
        await Assert.ThrowsAsync<HttpRequestException>(() => ServiceFixture.ScanAsync(client, setup.Shipment));
        await NothingStored();
    }

    [Fact]
    public async Task A_valid_chain_that_was_never_enrolled_is_403_and_raises_one_device_rejected_alert()
    {
        var stranger = Ours.IssueClientCertificate("never-enrolled-" + Guid.NewGuid().ToString("N")[..6]);
        using var client = setup.Service.Client(stranger);
        for (var i = 0; i < 3; i++)
        {
            var problem = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, setup.Shipment), HttpStatusCode.Forbidden);
            Assert.Equal("unknown-device", problem.GetProperty("reason").GetString());
        }

        await NothingStored();
        var fingerprint = Fingerprint.Sha256Hex(stranger);
        var alerts = await ServiceFixture.Expect(await setup.Admin.GetAsync("/api/alerts?type=device-rejected&pageSize=500"), HttpStatusCode.OK);
        Assert.Single(alerts.GetProperty("items").EnumerateArray(), a => a.GetProperty("detail").GetString()!.Contains(fingerprint));
    }

    [Fact]
    public async Task A_scanner_naming_another_station_is_403()
    {
        using var client = setup.Service.Client(setup.Scanner);
        var problem = await ServiceFixture.Expect(
            await ServiceFixture.ScanAsync(client, setup.Shipment, stationId: "SOME-OTHER-STATION"), HttpStatusCode.Forbidden);
        Assert.Equal("station", problem.GetProperty("attribute").GetString());
        await NothingStored();
    }

    [Fact]
    public async Task A_sensor_calling_the_scan_endpoint_is_403_naming_the_role()
    {
        using var client = setup.Service.Client(await setup.Api.EnrollAsync("sensor"));
        var problem = await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, setup.Shipment), HttpStatusCode.Forbidden);
        Assert.Equal("role", problem.GetProperty("attribute").GetString());
        await NothingStored();
    }

    [Fact]
    public async Task Staff_read_shipments_but_calling_admin_endpoints_is_403()
    {
        using var staff = setup.Service.Client(await setup.Api.EnrollAsync("staff"));
        await ServiceFixture.Expect(await staff.GetAsync($"/api/shipments/{setup.Shipment}"), HttpStatusCode.OK);
        await ServiceFixture.Expect(await staff.GetAsync("/api/devices"), HttpStatusCode.Forbidden);
        await ServiceFixture.Expect(
            await staff.PostAsJsonAsync("/api/stations", new { stationId = "STAFF-MADE", type = "port", name = "x" }),
            HttpStatusCode.Forbidden);
        await ServiceFixture.Expect(
            await staff.PostAsJsonAsync("/api/shipments", new { shipmentId = "STAFF-SHIPMENT", route = "road-domestic" }),
            HttpStatusCode.Forbidden);
        await ServiceFixture.Expect(await setup.Admin.GetAsync("/api/shipments/STAFF-SHIPMENT"), HttpStatusCode.NotFound);
    }

    private X509Certificate2? Certificate(string kind)
    {
        var now = DateTimeOffset.UtcNow;
        var device = CertificateProfile.ForDevice(setup.ScannerId);
        return kind switch
        {
            "none" => null,
            "expired" => Ours.Issue(device with { NotBefore = now.AddDays(-30), NotAfter = now.AddDays(-1) }),
            "not-yet-valid" => Ours.Issue(device with { NotBefore = now.AddDays(1), NotAfter = now.AddDays(30) }),
            "other-ca-same-subject" => CertificateAuthority.Create(CertificateAuthority.DefaultName).IssueClientCertificate(setup.ScannerId),
            "self-signed-same-cn" => CertificateAuthority.CreateSelfSigned(device),
            "server-auth-only" => Ours.Issue(device with { ExtendedKeyUsages = [KeyPurposes.ServerAuth] }),
            "no-eku" => Ours.Issue(device with { ExtendedKeyUsages = [] }),
            "the-ca-itself" => Ours.Certificate,
            "intermediate-ca-with-client-auth" => Ours.Issue(device with
            {
                IsCertificateAuthority = true, ExtendedKeyUsages = [KeyPurposes.ClientAuth],
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private async Task NothingStored()
    {
        var timeline = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/shipments/{setup.Shipment}/timeline"), HttpStatusCode.OK);
        Assert.Equal(1, timeline.GetArrayLength());
    }
}
