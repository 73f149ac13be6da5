using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// One root CA per test run, made with the same code as `tracktrace ca init`, the issuing CA it
/// signs (as `tracktrace ca intermediate` makes it; the service is configured with it), plus the
/// server and admin certificates (from the root).
/// </summary>
public sealed class TestPki
{
    private static readonly Lazy<TestPki> Shared = new(() => new TestPki());

    private TestPki()
    {
        Directory = Path.Combine(Path.GetTempPath(), "tracktrace-tests-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        Authority = CertificateAuthority.Create("TrackTrace Test CA");
        Authority.Save(Directory);
        CaPath = Path.Combine(Directory, CertificateAuthority.CertificateFileName);
        var server = Authority.IssueServerCertificate(["localhost"], [IPAddress.Loopback]);
        var serverFiles = PemFiles.WriteCertificateAndKey(Directory, "server", server);
        ServerCertificatePath = serverFiles.CertificatePath;
        ServerKeyPath = serverFiles.KeyPath;
        Admin = Authority.IssueClientCertificate("admin");
        AdminCertificatePath = PemFiles.WriteCertificateAndKey(Directory, "admin", Admin).CertificatePath;
        Issuing = Authority.CreateIssuingAuthority("TrackTrace Test Issuing CA");
        var issuingFiles = Issuing.Save(Directory);
        IssuingCertificatePath = issuingFiles.CertificatePath;
        IssuingKeyPath = issuingFiles.KeyPath;
    }

    public static TestPki Instance => Shared.Value;

    public string Directory { get; }
    public CertificateAuthority Authority { get; }
    public X509Certificate2 Ca => Authority.Certificate;
    public string CaPath { get; }
    public string ServerCertificatePath { get; }
    public string ServerKeyPath { get; }
    public X509Certificate2 Admin { get; }
    public string AdminCertificatePath { get; }

    /// <summary>The issuing CA (pathLen 0) in <c>issuing.crt</c> and <c>issuing.key</c>, which the service is configured with.</summary>
    public CertificateAuthority Issuing { get; }
    public string IssuingCertificatePath { get; }
    public string IssuingKeyPath { get; }

    /// <summary>A device certificate signed by the root directly, as before there was an issuing CA.</summary>
    public X509Certificate2 IssueDevice(string deviceId) => Authority.IssueClientCertificate(deviceId);

    /// <summary>
    /// A device certificate from the issuing CA for a key only this call held: the key is made
    /// here, sent as a CSR, and attached to the certificate that comes back.
    /// </summary>
    public X509Certificate2 EnrollWithIssuingCa(string deviceId) => CertifyOwnKey(Issuing, deviceId);

    /// <summary>The same with any CA, e.g. one the service does not know.</summary>
    public static X509Certificate2 CertifyOwnKey(CertificateAuthority authority, string deviceId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + deviceId, key, HashAlgorithmName.SHA256);
        var signingRequest = CertificateSigningRequest.Decode(request.CreateSigningRequest());
        using var certificate = authority.IssueDeviceCertificate(signingRequest, deviceId);
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>PEM of the public certificate, as an admin sends it to POST /api/devices.</summary>
    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem();
}
