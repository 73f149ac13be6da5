using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TrackTrace.Api.Security;
using TrackTrace.Api.Hosting;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>
/// An issuing CA configuration that could not work, or would leak the key, stops the service at
/// start-up with a message naming the setting; a good one starts.
/// </summary>
[UnsupportedOSPlatform("windows")] // file modes are what is tested
public sealed class IssuingCaStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tt-issuing-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_test_issuing_CA_with_a_600_key_is_taken_and_so_is_a_400_key()
    {
        // Not disposed: an application that never started cannot be (MassTransit's logging is gone by then).
        var (certificate, key) = Copy(TestPki.Instance.Issuing);
        var trust = Build(certificate, key).Services.GetRequiredService<ClientCertificateTrust>();
        Assert.Equal(TestPki.Instance.Issuing.Certificate.RawData, trust.Issuer!.Certificate.RawData);
        Assert.True(trust.Issuer.Certificate.HasPrivateKey);
        Assert.Equal([TestPki.Instance.Issuing.Certificate.Thumbprint], trust.Intermediates.Select(c => c.Thumbprint));

        File.SetUnixFileMode(key, UnixFileMode.UserRead);
        Assert.NotNull(Build(certificate, key).Services.GetRequiredService<ClientCertificateTrust>().Issuer);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite, "602")]
    public void An_issuing_key_group_or_others_may_use_stops_the_service(UnixFileMode mode, string octal)
    {
        var (certificate, key) = Copy(TestPki.Instance.Issuing);
        File.SetUnixFileMode(key, mode);

        var refused = Assert.Throws<InvalidOperationException>(() => Build(certificate, key));

        Assert.Contains("Api:IssuingKey", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"mode {octal}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("600 or stricter", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_certificate_configured_as_the_issuing_CA_stops_the_service()
    {
        using var device = TestPki.Instance.Issuing.IssueClientCertificate("not-a-ca");
        var files = PemFiles.WriteCertificateAndKey(_directory, "not-a-ca", device);

        var refused = Assert.Throws<InvalidOperationException>(() => Build(files.CertificatePath, files.KeyPath));

        Assert.Contains("Api:IssuingCertificate", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not a CA certificate", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_issuing_CA_of_another_root_stops_the_service()
    {
        using var otherRoot = CertificateAuthority.Create("Somebody Else's Root");
        using var otherIssuing = otherRoot.CreateIssuingAuthority();
        var (certificate, key) = Copy(otherIssuing);

        var refused = Assert.Throws<InvalidOperationException>(() => Build(certificate, key));

        Assert.Contains("Api:IssuingCertificate", refused.Message, StringComparison.Ordinal);
        Assert.Contains("does not chain to a root in Api:ClientCertificateAuthorities", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Somebody Else's Root", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_root_itself_as_the_issuing_CA_stops_the_service_so_its_key_stays_offline()
    {
        var certificate = Path.Combine(_directory, "ca.crt");
        var key = Path.Combine(_directory, "ca.key");
        File.Copy(Path.Combine(TestPki.Instance.Directory, "ca.crt"), certificate);
        File.Copy(Path.Combine(TestPki.Instance.Directory, "ca.key"), key);

        var refused = Assert.Throws<InvalidOperationException>(() => Build(certificate, key));

        Assert.Contains("self-signed root", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_issuing_CA_stops_the_service()
    {
        var now = DateTimeOffset.UtcNow;
        using var expired = TestPki.Instance.Authority.CreateIssuingAuthority(
            CertificateProfile.ForIssuingAuthority("Expired Issuing CA") with { NotBefore = now.AddDays(-60), NotAfter = now.AddDays(-1) });
        var (certificate, key) = Copy(expired);

        var refused = Assert.Throws<InvalidOperationException>(() => Build(certificate, key));

        Assert.Contains("NotTimeValid", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_does_not_belong_to_the_issuing_certificate_stops_the_service()
    {
        using var other = TestPki.Instance.Authority.CreateIssuingAuthority("Other Issuing CA");
        var (certificate, _) = Copy(TestPki.Instance.Issuing);
        var otherKey = other.Save(Path.Combine(_directory, "other")).KeyPath;

        var refused = Assert.Throws<InvalidOperationException>(() => Build(certificate, otherKey));

        Assert.Contains("does not belong to", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_one_of_certificate_and_key_stops_the_service()
    {
        var (certificate, key) = Copy(TestPki.Instance.Issuing);

        Assert.Contains("go together", Assert.Throws<InvalidOperationException>(() => Build(certificate, null)).Message, StringComparison.Ordinal);
        Assert.Contains("go together", Assert.Throws<InvalidOperationException>(() => Build(null, key)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_issuing_key_file_is_named()
    {
        var (certificate, _) = Copy(TestPki.Instance.Issuing);
        var missing = Path.Combine(_directory, "missing.key");

        var refused = Assert.Throws<InvalidOperationException>(() => Build(certificate, missing));

        Assert.Contains(missing, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_accepted_intermediate_that_is_not_a_CA_stops_the_service_naming_its_index()
    {
        var (certificate, key) = Copy(TestPki.Instance.Issuing);
        var admin = Path.Combine(TestPki.Instance.Directory, "admin.crt");

        var refused = Assert.Throws<InvalidOperationException>(() => Build(certificate, key, ("Api:ClientCertificateIntermediates:0", admin)));

        Assert.Contains("Api:ClientCertificateIntermediates:0", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not a CA certificate", refused.Message, StringComparison.Ordinal);
    }

    private (string Certificate, string Key) Copy(CertificateAuthority authority)
    {
        var files = authority.Save(Path.Combine(_directory, Guid.NewGuid().ToString("N")[..8]));
        return (files.CertificatePath, files.KeyPath);
    }

    private static Microsoft.AspNetCore.Builder.WebApplication Build(string? certificate, string? key, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody",
            ["Api:ServerCertificate"] = TestPki.Instance.ServerCertificatePath,
            ["Api:ServerKey"] = TestPki.Instance.ServerKeyPath,
            ["Api:ClientCertificateAuthorities:0"] = TestPki.Instance.CaPath,
            ["RabbitMq:Uri"] = "amqp://nobody:unused@127.0.0.1:1/",
            ["Api:IssuingCertificate"] = certificate,
            ["Api:IssuingKey"] = key,
        };
        foreach (var (name, value) in more)
        {
            settings[name] = value;
        }

        return TrackTraceApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
    }
}
