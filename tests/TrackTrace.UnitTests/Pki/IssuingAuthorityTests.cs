using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;
using TrackTrace.UnitTests.Cli;

namespace TrackTrace.UnitTests.Pki;

/// <summary>
/// An issuing CA signed by the root: it may sign device and server certificates but no CA, it
/// never outlives its root, and a chain leaf, issuing CA, root validates where the root is trusted.
/// </summary>
public sealed class IssuingAuthorityTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 14, 9, 30, 0, TimeSpan.Zero);

    private readonly TemporaryDirectory _temp = new();
    private readonly CertificateAuthority _root = CertificateAuthority.Create(time: new ManualClock(Now));

    public void Dispose()
    {
        _root.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void The_issuing_CA_is_a_CA_with_path_length_0_signed_by_the_root()
    {
        using var issuing = _root.CreateIssuingAuthority();
        var certificate = issuing.Certificate;

        Assert.False(issuing.IsRoot);
        Assert.True(_root.IsRoot);
        Assert.Equal("CN=TrackTrace Issuing CA", certificate.Subject);
        Assert.Equal(_root.Certificate.Subject, certificate.Issuer);
        var constraints = Certificates.Single<X509BasicConstraintsExtension>(certificate);
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.HasPathLengthConstraint);
        Assert.Equal(0, constraints.PathLengthConstraint);
        Assert.True(constraints.Critical);
        var usage = Certificates.Single<X509KeyUsageExtension>(certificate);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.True(usage.Critical);
        Assert.Empty(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Null(certificate.Extensions[NameConstraints.Oid]);
        Assert.Equal(
            Certificates.Single<X509SubjectKeyIdentifierExtension>(_root.Certificate).SubjectKeyIdentifierBytes.ToArray(),
            Certificates.Single<X509AuthorityKeyIdentifierExtension>(certificate).KeyIdentifier!.Value.ToArray());
        Assert.NotEmpty(Certificates.Single<X509SubjectKeyIdentifierExtension>(certificate).SubjectKeyIdentifierBytes.ToArray());
        Assert.Equal(Now.UtcDateTime.AddDays(CertificateAuthority.DefaultIssuingDays), certificate.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void A_device_certificate_from_the_issuing_CA_validates_against_the_root_only_with_the_issuing_CA_at_hand()
    {
        using var issuing = _root.CreateIssuingAuthority();
        using var device = issuing.IssueClientCertificate("scanner-1");

        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, _root.Certificate, Now.UtcDateTime, issuing.Certificate));
        Assert.NotEqual(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, _root.Certificate, Now.UtcDateTime));
    }

    [Fact]
    public async Task Openssl_verifies_a_device_certificate_through_the_issuing_CA()
    {
        using var root = CertificateAuthority.Create();
        using var issuing = root.CreateIssuingAuthority(permittedDnsNames: ["tracktrace.test"]);
        using var device = issuing.IssueClientCertificate("scanner-1");
        root.Save(_temp.Path);
        var issuingFiles = issuing.Save(_temp.Path);
        var devicePath = _temp.Combine("scanner-1.crt");
        PemFiles.WriteCertificate(devicePath, device);

        var verified = await ExternalProcess.OpenSslOkAsync(
            "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", _temp.Combine("ca.crt"),
            "-untrusted", issuingFiles.CertificatePath, devicePath);

        Assert.Equal($"{devicePath}: OK", verified.StandardOutput.Trim());
        var text = await ExternalProcess.OpenSslOkAsync("x509", "-in", issuingFiles.CertificatePath, "-noout", "-text");
        Assert.Contains("CA:TRUE, pathlen:0", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Permitted:", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("DNS:tracktrace.test", text.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_as_issuing_crt_and_issuing_key_and_loaded_back_it_still_signs()
    {
        using var issuing = _root.CreateIssuingAuthority();
        var written = issuing.Save(_temp.Path);

        Assert.Equal(_temp.Combine(CertificateAuthority.IssuingCertificateFileName), written.CertificatePath);
        Assert.Equal(_temp.Combine(CertificateAuthority.IssuingKeyFileName), written.KeyPath);
        CaInitCommandTests.AssertOwnerOnly(written.KeyPath);
        using var loaded = CertificateAuthority.LoadIssuing(_temp.Path, new ManualClock(Now));
        using var fromFiles = CertificateAuthority.LoadFiles(written.CertificatePath, written.KeyPath, new ManualClock(Now));
        using var device = loaded.IssueClientCertificate("d1");
        Assert.False(loaded.IsRoot);
        Assert.Equal(issuing.Certificate.RawData, fromFiles.Certificate.RawData);
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, _root.Certificate, Now.UtcDateTime, issuing.Certificate));
        Assert.Throws<PkiException>(() => issuing.Save(_temp.Path));
    }

    [Fact]
    public void A_folder_with_an_issuing_key_signs_with_the_issuing_CA_and_one_without_with_the_root()
    {
        _root.Save(_temp.Path);
        using (var fromRootOnly = CertificateAuthority.LoadIssuer(_temp.Path))
        {
            Assert.True(fromRootOnly.IsRoot);
        }

        using var issuing = _root.CreateIssuingAuthority();
        issuing.Save(_temp.Path);
        using var fromBoth = CertificateAuthority.LoadIssuer(_temp.Path);

        Assert.Equal(issuing.Certificate.RawData, fromBoth.Certificate.RawData);
    }

    [Fact]
    public void An_issuing_CA_cannot_sign_another_CA_and_one_it_signs_anyway_does_not_validate()
    {
        using var issuing = _root.CreateIssuingAuthority();

        var refused = Assert.Throws<PkiException>(() => issuing.CreateIssuingAuthority("Sub CA"));
        Assert.Contains("pathLen 0", refused.Message, StringComparison.Ordinal);

        // What a stolen issuing key could make: the chain builder refuses it for the path length.
        using var subCa = issuing.Issue(CertificateProfile.ForAuthority("Sub CA"));
        using var subCaAuthority = CertificateAuthority.LoadFiles(
            PemFiles.WriteCertificateAndKey(_temp.Path, "sub", subCa).CertificatePath, _temp.Combine("sub.key"), new ManualClock(Now));
        using var device = subCaAuthority.IssueClientCertificate("d1");
        var flags = Certificates.ValidateAsClient(device, _root.Certificate, Now.UtcDateTime, issuing.Certificate, subCa);
        Assert.True(flags.HasFlag(X509ChainStatusFlags.InvalidBasicConstraints), flags.ToString());
    }

    [Fact]
    public void An_issuing_CA_never_outlives_its_root()
    {
        using var shortRoot = CertificateAuthority.Create(days: 100, time: new ManualClock(Now));

        var refused = Assert.Throws<PkiException>(() => shortRoot.CreateIssuingAuthority(days: 101));

        Assert.Contains("at most 100 days", refused.Message, StringComparison.Ordinal);
        using var fits = shortRoot.CreateIssuingAuthority(days: 100);
        Assert.Equal(shortRoot.Certificate.NotAfter, fits.Certificate.NotAfter);
    }

    [Fact]
    public void Name_constraints_hold_the_permitted_DNS_subtrees_and_the_chain_enforces_them()
    {
        using var issuing = _root.CreateIssuingAuthority(permittedDnsNames: ["Devices.Example.com", "tracktrace.test"]);

        Assert.True(issuing.Certificate.Extensions[NameConstraints.Oid]!.Critical);
        Assert.Equal(["devices.example.com", "tracktrace.test"], NameConstraints.PermittedDnsNames(issuing.Certificate));
        using var inside = issuing.Issue(CertificateProfile.ForServer(["api.tracktrace.test"], []) with { ExtendedKeyUsages = [KeyPurposes.ClientAuth] });
        using var outside = issuing.Issue(CertificateProfile.ForServer(["bank.example.org"], []) with { ExtendedKeyUsages = [KeyPurposes.ClientAuth] });
        using var device = issuing.IssueClientCertificate("scanner-7");
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(inside, _root.Certificate, Now.UtcDateTime, issuing.Certificate));
        Assert.True(Certificates.ValidateAsClient(outside, _root.Certificate, Now.UtcDateTime, issuing.Certificate)
            .HasFlag(X509ChainStatusFlags.HasNotPermittedNameConstraint));
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, _root.Certificate, Now.UtcDateTime, issuing.Certificate));
    }

    [Theory]
    [InlineData("*.example.com")]
    [InlineData(".example.com")]
    [InlineData("exa mple.com")]
    [InlineData("-bad.example.com")]
    [InlineData("")]
    public void A_name_constraint_that_is_not_a_DNS_name_is_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => _root.CreateIssuingAuthority(permittedDnsNames: [name]));
    }

    [Fact]
    public void Under_DNS_name_constraints_a_device_id_with_a_dot_counts_as_a_host_name_and_must_fall_inside()
    {
        // OpenSSL checks a leaf's CN against DNS constraints when it has no DNS SAN and the CN
        // looks like a host name (has a dot); X509Chain on Linux inherits that. Documented in the CLI README.
        using var issuing = _root.CreateIssuingAuthority(permittedDnsNames: ["tracktrace.test"]);
        using var plain = issuing.IssueClientCertificate("scanner-7");
        using var dotted = issuing.IssueClientCertificate("dock.door_4-B");
        using var inside = issuing.IssueClientCertificate("dock-4.tracktrace.test");

        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(plain, _root.Certificate, Now.UtcDateTime, issuing.Certificate));
        Assert.True(Certificates.ValidateAsClient(dotted, _root.Certificate, Now.UtcDateTime, issuing.Certificate)
            .HasFlag(X509ChainStatusFlags.HasNotPermittedNameConstraint));
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(inside, _root.Certificate, Now.UtcDateTime, issuing.Certificate));
    }
}
