using System.Net;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>
/// Device certificates from the service's issuing CA authenticate over real mTLS whether the
/// client sends the issuing CA or not; certificates whose issuing CA is not configured (of another
/// root, or of ours but unknown to the service) never get a TLS session; root-signed devices still work.
/// </summary>
public sealed class IssuingCaHandshakeTests(IssuingCaHandshakeTests.Setup setup) : IClassFixture<IssuingCaHandshakeTests.Setup>
{
    public sealed class Setup : ServiceFixture
    {
        public string Station { get; private set; } = "";

        /// <summary>For the refused clients: they never reach it. Accepted scans use a shipment each.</summary>
        public string Shipment { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Station = await Api.RegisterStationAsync("factory");
            Shipment = await Api.RegisterShipmentAsync("road-domestic");
        }

        /// <summary>A scanner at <see cref="Station"/> whose certificate the issuing CA signed for a key only the test holds.</summary>
        public async Task<X509Certificate2> EnrollFromIssuingCaAsync()
        {
            var deviceId = NewId("issued").ToLowerInvariant();
            var certificate = TestPki.Instance.EnrollWithIssuingCa(deviceId);
            await Api.EnrollCertificateAsync(certificate, deviceId, "scanner", Station);
            return certificate;
        }

        public HttpClient Client(X509Certificate2 certificate, params X509Certificate2[] sentIntermediates) =>
            new(TrustedChannel.CreateHandler(TestPki.Instance.Ca, certificate, clientIntermediates: sentIntermediates.Length > 0 ? sentIntermediates : null))
            {
                BaseAddress = Service.ApiAddress,
            };
    }

    [Fact]
    public async Task A_device_certificate_from_the_issuing_CA_scans_when_the_client_sends_the_issuing_CA()
    {
        var device = await setup.EnrollFromIssuingCaAsync();
        Assert.Equal(TestPki.Instance.Issuing.Certificate.Subject, device.Issuer);

        using var client = setup.Client(device, TestPki.Instance.Issuing.Certificate);

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_device_certificate_from_the_issuing_CA_scans_when_the_client_sends_only_its_own_certificate()
    {
        var device = await setup.EnrollFromIssuingCaAsync();

        using var client = setup.Client(device);

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_device_certificate_signed_by_the_root_directly_still_scans()
    {
        var device = await setup.Api.EnrollAsync("scanner", setup.Station);
        Assert.Equal(TestPki.Instance.Ca.Subject, device.Issuer);

        using var client = setup.Service.Client(device);

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(client, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_certificate_from_an_issuing_CA_of_another_root_is_refused_in_the_handshake(bool clientSendsItsIssuingCa)
    {
        using var otherRoot = CertificateAuthority.Create(TestPki.Instance.Ca.GetNameInfo(X509NameType.SimpleName, false));
        using var otherIssuing = otherRoot.CreateIssuingAuthority(TestPki.Instance.Issuing.Certificate.GetNameInfo(X509NameType.SimpleName, false));
        using var device = TestPki.CertifyOwnKey(otherIssuing, "lookalike-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(TestPki.Instance.Issuing.Certificate.Subject, device.Issuer);

        using var client = clientSendsItsIssuingCa ? setup.Client(device, otherIssuing.Certificate) : setup.Client(device);

        // Never enrolled: had the handshake let it through, the answer would be a 403, not a failed connection.
        await Assert.ThrowsAsync<HttpRequestException>(() => ServiceFixture.ScanAsync(client, setup.Shipment));
    }

    [Fact]
    public async Task A_certificate_from_an_issuing_CA_of_our_root_that_is_not_configured_is_refused_even_when_the_client_sends_it()
    {
        // Only configured intermediates complete a chain: an issuing CA taken out of the
        // configuration (or never put in) signs nothing the service accepts.
        using var unknownIssuing = TestPki.Instance.Authority.CreateIssuingAuthority("Unconfigured Issuing CA");
        using var device = TestPki.CertifyOwnKey(unknownIssuing, "unconfigured-" + Guid.NewGuid().ToString("N")[..6]);

        using var client = setup.Client(device, unknownIssuing.Certificate);

        // Never enrolled: had the handshake let it through, the answer would be a 403, not a failed connection.
        await Assert.ThrowsAsync<HttpRequestException>(() => ServiceFixture.ScanAsync(client, setup.Shipment));
    }

    [Fact]
    public async Task An_issuing_CA_certificate_presented_as_a_client_certificate_is_refused_in_the_handshake()
    {
        using var client = setup.Client(TestPki.Instance.Issuing.Certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => ServiceFixture.ScanAsync(client, setup.Shipment));
    }
}
