using System.Net;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>One CA per test run, made with the same code as `tracktrace ca init`, plus the server and admin certificates.</summary>
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

    public X509Certificate2 IssueDevice(string deviceId) => Authority.IssueClientCertificate(deviceId);

    /// <summary>PEM of the public certificate, as an admin sends it to POST /api/devices.</summary>
    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem();
}
