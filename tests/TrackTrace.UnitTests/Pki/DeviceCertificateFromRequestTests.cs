using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;
using TrackTrace.UnitTests.Cli;

namespace TrackTrace.UnitTests.Pki;

/// <summary>
/// A device certificate for a key the device keeps: the request contributes its public key and
/// nothing else; name, usage, lifetime and CA flag are the issuer's.
/// </summary>
public sealed class DeviceCertificateFromRequestTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 14, 9, 30, 0, TimeSpan.Zero);

    private readonly TemporaryDirectory _temp = new();
    private readonly ManualClock _clock = new(Now);
    private readonly CertificateAuthority _root;
    private readonly CertificateAuthority _issuing;

    public DeviceCertificateFromRequestTests()
    {
        _root = CertificateAuthority.Create(time: _clock);
        _issuing = _root.CreateIssuingAuthority();
    }

    public void Dispose()
    {
        _issuing.Dispose();
        _root.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void What_the_request_asks_for_is_ignored_and_the_certificate_names_the_device(bool rsa)
    {
        using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = Csrs.Bcl(key, "CN=admin, O=Operator", ask =>
        {
            ask.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            ask.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            ask.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(KeyPurposes.ServerAuth), new Oid(KeyPurposes.ClientAuth)], false));
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("bank.example.org");
            ask.CertificateExtensions.Add(names.Build());
        });
        var request = CertificateSigningRequest.Decode(der);

        using var device = _issuing.IssueDeviceCertificate(request, "scanner-17");

        Assert.Equal("CN=admin, O=Operator", request.RequestedSubject.Name);
        Assert.Equal("CN=scanner-17", device.Subject);
        Assert.Equal(_issuing.Certificate.Subject, device.Issuer);
        Assert.False(device.HasPrivateKey);
        Assert.Equal([KeyPurposes.ClientAuth], Certificates.ExtendedKeyUsages(device));
        var constraints = Certificates.Single<X509BasicConstraintsExtension>(device);
        Assert.False(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = Certificates.Single<X509KeyUsageExtension>(device);
        Assert.True(usage.Critical);
        Assert.Equal(
            rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature,
            usage.KeyUsages);
        Assert.Empty(device.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(5, device.Extensions.Count); // BasicConstraints, KeyUsage, EKU, SKI, AKI
        Assert.Equal(
            Certificates.Single<X509SubjectKeyIdentifierExtension>(_issuing.Certificate).SubjectKeyIdentifierBytes.ToArray(),
            Certificates.Single<X509AuthorityKeyIdentifierExtension>(device).KeyIdentifier!.Value.ToArray());
        Assert.Equal(
            new X509SubjectKeyIdentifierExtension(device.PublicKey, false).SubjectKeyIdentifierBytes.ToArray(),
            Certificates.Single<X509SubjectKeyIdentifierExtension>(device).SubjectKeyIdentifierBytes.ToArray());
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), device.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, _root.Certificate, Now.UtcDateTime, _issuing.Certificate));
    }

    [Fact]
    public void The_device_certificate_lives_30_days_from_5_minutes_ago_by_default_or_as_long_as_asked()
    {
        var request = NewRequest();

        using var byDefault = _issuing.IssueDeviceCertificate(request, "d1");
        using var shortLived = _issuing.IssueDeviceCertificate(request, "d1", TimeSpan.FromHours(36));

        Assert.Equal(Now.UtcDateTime.AddMinutes(-5), byDefault.NotBefore.ToUniversalTime());
        Assert.Equal(Now.UtcDateTime.AddDays(30), byDefault.NotAfter.ToUniversalTime());
        Assert.Equal(Now.UtcDateTime.AddHours(36), shortLived.NotAfter.ToUniversalTime());
        Assert.Throws<ArgumentOutOfRangeException>(() => _issuing.IssueDeviceCertificate(request, "d1", TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => _issuing.IssueDeviceCertificate(request, "d1", TimeSpan.FromDays(-1)));
    }

    [Fact]
    public void Serials_are_random_positive_and_16_bytes_long()
    {
        var request = NewRequest();

        var serials = Enumerable.Range(0, 20).Select(_ =>
        {
            using var device = _issuing.IssueDeviceCertificate(request, "d1");
            return device.SerialNumberBytes.ToArray();
        }).ToArray();

        Assert.All(serials, s => Assert.Equal(16, s.Length));
        Assert.All(serials, s => Assert.True(new BigInteger(s, isUnsigned: false, isBigEndian: true) > 0));
        Assert.Equal(serials.Length, serials.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void A_device_certificate_never_outlives_its_CA_and_an_expired_CA_issues_nothing()
    {
        using var shortIssuing = _root.CreateIssuingAuthority(days: 10);
        var request = NewRequest();

        using var clamped = shortIssuing.IssueDeviceCertificate(request, "d1");
        Assert.Equal(shortIssuing.Certificate.NotAfter, clamped.NotAfter);

        _clock.Now = Now.AddDays(11);
        var refused = Assert.Throws<PkiException>(() => shortIssuing.IssueDeviceCertificate(request, "d1"));
        Assert.Contains("expired", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_certificate_key_fingerprint_equals_the_request_key_fingerprint_so_a_reused_key_is_recognised()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var current = _issuing.IssueDeviceCertificate(CertificateSigningRequest.Decode(Csrs.Bcl(key)), "d1");

        var sameKeyAgain = CertificateSigningRequest.Decode(Csrs.Bcl(key, "CN=something else"));
        var freshKey = CertificateSigningRequest.Decode(Csrs.Bcl(other));

        Assert.Equal(Fingerprint.PublicKeySha256Hex(current), sameKeyAgain.PublicKeyFingerprint);
        Assert.NotEqual(Fingerprint.PublicKeySha256Hex(current), freshKey.PublicKeyFingerprint);
        Assert.NotEqual(Fingerprint.Sha256Hex(current), Fingerprint.PublicKeySha256Hex(current));
    }

    [Fact]
    public async Task An_openssl_request_becomes_a_certificate_openssl_verifies_through_the_issuing_CA_for_the_openssl_key()
    {
        var pem = await Csrs.OpenSslAsync(_temp.Path, "scanner", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        using var root = CertificateAuthority.Create();
        using var issuing = root.CreateIssuingAuthority();
        root.Save(_temp.Path);
        issuing.Save(_temp.Path);

        using var device = issuing.IssueDeviceCertificate(CertificateSigningRequest.Decode(pem), "scanner-17");
        var devicePath = _temp.Combine("scanner-17.crt");
        PemFiles.WriteCertificate(devicePath, device);

        await ExternalProcess.OpenSslOkAsync(
            "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", _temp.Combine("ca.crt"),
            "-untrusted", _temp.Combine("issuing.crt"), devicePath);
        using var withKey = PemFiles.ReadCertificateWithKey(devicePath, _temp.Combine("scanner.key"));
        Assert.True(withKey.HasPrivateKey);
        var openssl = await ExternalProcess.OpenSslOkAsync("x509", "-in", devicePath, "-noout", "-pubkey");
        var spki = Convert.FromBase64String(string.Concat(openssl.StandardOutput.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(spki)), Fingerprint.PublicKeySha256Hex(device));
    }

    [Fact]
    public void The_root_can_sign_a_request_too_for_devices_that_chain_to_it_directly()
    {
        using var device = _root.IssueDeviceCertificate(NewRequest(), "d1");

        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, _root.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public void A_device_id_that_cannot_be_a_common_name_is_refused()
    {
        var request = NewRequest();

        Assert.Throws<ArgumentException>(() => _issuing.IssueDeviceCertificate(request, ""));
        Assert.Throws<ArgumentException>(() => _issuing.IssueDeviceCertificate(request, new string('d', 65)));
        Assert.Throws<ArgumentException>(() => _issuing.IssueDeviceCertificate(request, "d1\r\nCN=admin"));
    }

    [Fact]
    public void Issuing_from_several_threads_gives_distinct_valid_certificates()
    {
        var request = NewRequest();
        var certificates = new X509Certificate2[32];
        Parallel.For(0, certificates.Length, i => certificates[i] = _issuing.IssueDeviceCertificate(request, $"device-{i}"));
        try
        {
            Assert.Equal(certificates.Length, certificates.Select(c => c.SerialNumber).Distinct().Count());
            Assert.All(certificates, c =>
                Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(c, _root.Certificate, Now.UtcDateTime, _issuing.Certificate)));
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    private static CertificateSigningRequest NewRequest()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return CertificateSigningRequest.Decode(Csrs.Bcl(key));
    }
}
