using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

/// <summary>
/// The profile record must be able to make the certificates the service has to refuse; each test
/// shows what such a certificate is and what a custom-root chain check says about it.
/// </summary>
public sealed class HostileCertificateTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 14, 9, 30, 0, TimeSpan.Zero);

    private readonly CertificateAuthority _ca = CertificateAuthority.Create(time: new FixedTime(Now));

    public void Dispose() => _ca.Dispose();

    [Fact]
    public void Validity_comes_from_the_injected_clock_with_a_little_slack_for_skewed_peers()
    {
        using var device = _ca.IssueClientCertificate("d1");

        Assert.Equal(Now.UtcDateTime - CertificateProfile.ClockSkewAllowance, device.NotBefore.ToUniversalTime());
        Assert.Equal(Now.UtcDateTime.AddDays(397), device.NotAfter.ToUniversalTime());
        Assert.Equal(Now.UtcDateTime.AddDays(3650), _ca.Certificate.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void Expired_and_not_yet_valid_certificates_fail_on_time()
    {
        using var expired = _ca.Issue(CertificateProfile.ForDevice("d1") with { NotBefore = Now.AddDays(-30), NotAfter = Now.AddDays(-1) });
        using var early = _ca.Issue(CertificateProfile.ForDevice("d1") with { NotBefore = Now.AddDays(1), NotAfter = Now.AddDays(30) });

        Assert.Equal(Now.UtcDateTime.AddDays(-1), expired.NotAfter.ToUniversalTime());
        Assert.Equal(X509ChainStatusFlags.NotTimeValid, Certificates.ValidateAsClient(expired, _ca.Certificate, Now.UtcDateTime));
        Assert.Equal(X509ChainStatusFlags.NotTimeValid, Certificates.ValidateAsClient(early, _ca.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public void Server_only_certificate_is_not_valid_for_client_authentication()
    {
        using var serverOnly = _ca.Issue(CertificateProfile.ForDevice("d1") with { ExtendedKeyUsages = [KeyPurposes.ServerAuth] });

        Assert.Equal("CN=d1", serverOnly.Subject);
        Assert.Equal([KeyPurposes.ServerAuth], Certificates.ExtendedKeyUsages(serverOnly));
        Assert.Equal(X509ChainStatusFlags.NotValidForUsage, Certificates.ValidateAsClient(serverOnly, _ca.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public void Certificate_without_EKU_passes_the_chain_so_the_service_must_demand_clientAuth_itself()
    {
        using var noUsage = _ca.Issue(CertificateProfile.ForDevice("d1") with { ExtendedKeyUsages = [] });

        Assert.Empty(noUsage.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(noUsage, _ca.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public void CA_certificate_presented_as_a_client_passes_the_chain_so_the_service_must_check_BasicConstraints()
    {
        using var caAsClient = _ca.Issue(CertificateProfile.ForDevice("d1") with { IsCertificateAuthority = true });

        var constraints = Certificates.Single<X509BasicConstraintsExtension>(caAsClient);
        Assert.True(constraints.CertificateAuthority);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, Certificates.Single<X509KeyUsageExtension>(caAsClient).KeyUsages);
        Assert.Equal([KeyPurposes.ClientAuth], Certificates.ExtendedKeyUsages(caAsClient));
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(caAsClient, _ca.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public void Self_signed_certificate_with_a_device_name_is_not_trusted()
    {
        using var impostor = CertificateAuthority.CreateSelfSigned(CertificateProfile.ForDevice("d1"), new FixedTime(Now));

        Assert.Equal("CN=d1", impostor.Subject);
        Assert.Equal(impostor.Subject, impostor.Issuer);
        Assert.True(impostor.HasPrivateKey);
        Assert.NotEqual(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(impostor, _ca.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public void Certificate_from_another_CA_with_the_same_name_is_not_trusted()
    {
        using var lookalike = CertificateAuthority.Create(time: new FixedTime(Now));
        using var device = lookalike.IssueClientCertificate("d1");

        Assert.Equal(_ca.Certificate.Subject, device.Issuer);
        Assert.NotEqual(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, _ca.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public void Impossible_profiles_are_refused()
    {
        Assert.Throws<ArgumentException>(() => _ca.IssueClientCertificate(""));
        Assert.Throws<ArgumentException>(() => _ca.IssueClientCertificate(new string('d', 65)));
        Assert.Throws<ArgumentException>(() => _ca.IssueClientCertificate("d1\nCN=admin"));
        Assert.Throws<ArgumentException>(() => _ca.IssueClientCertificate("d1", days: 0));
        Assert.Throws<ArgumentException>(() => _ca.IssueServerCertificate([], []));
        Assert.Throws<ArgumentException>(() => _ca.Issue(CertificateProfile.ForDevice("d1") with { NotBefore = Now, NotAfter = Now }));
        Assert.Throws<ArgumentException>(() => CertificateAuthority.Create(CertificateProfile.ForDevice("d1")));
    }

    [Fact]
    public void Issuing_from_several_threads_gives_distinct_valid_certificates()
    {
        var certificates = new X509Certificate2[32];
        Parallel.For(0, certificates.Length, i => certificates[i] = _ca.IssueClientCertificate($"device-{i}"));
        try
        {
            Assert.Equal(certificates.Length, certificates.Select(c => c.SerialNumber).Distinct().Count());
            Assert.All(certificates, c => Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(c, _ca.Certificate, Now.UtcDateTime)));
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
