using System.Net;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>
/// During a rotation of the issuing CA the previous one is listed in
/// <c>Api:ClientCertificateIntermediates</c>: the devices it signed keep working (and can renew)
/// while the service signs with the new one.
/// </summary>
public sealed class IssuingCaRotationTests(IssuingCaRotationTests.Setup setup) : IClassFixture<IssuingCaRotationTests.Setup>
{
    public sealed class Setup : ServiceFixture
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("tt-rotation-").FullName;

        public Setup()
        {
            Previous = TestPki.Instance.Authority.CreateIssuingAuthority("Previous Issuing CA");
            PreviousCertificatePath = Path.Combine(_directory, "previous-issuing.crt");
            PemFiles.WriteCertificate(PreviousCertificatePath, Previous.Certificate);
        }

        public CertificateAuthority Previous { get; }
        public string PreviousCertificatePath { get; }

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Api:ClientCertificateIntermediates:0"] = PreviousCertificatePath,
        };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Previous.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_device_of_the_previous_issuing_CA_still_scans_and_so_does_one_of_the_current()
    {
        var station = await setup.Api.RegisterStationAsync("factory");
        var previousId = ServiceFixture.NewId("previous").ToLowerInvariant();
        var currentId = ServiceFixture.NewId("current").ToLowerInvariant();
        using var previous = TestPki.CertifyOwnKey(setup.Previous, previousId);
        using var current = TestPki.Instance.EnrollWithIssuingCa(currentId);
        await setup.Api.EnrollCertificateAsync(previous, previousId, "scanner", station);
        await setup.Api.EnrollCertificateAsync(current, currentId, "scanner", station);

        using var previousClient = setup.Service.Client(previous);
        using var currentClient = setup.Service.Client(current);

        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(previousClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(currentClient, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
    }
}
