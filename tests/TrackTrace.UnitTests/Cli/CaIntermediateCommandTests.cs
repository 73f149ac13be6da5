using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

/// <summary><c>tracktrace ca intermediate</c>: the issuing CA the service signs with, made once with the root's key.</summary>
public sealed class CaIntermediateCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string RootDirectory => _temp.Combine("root");

    private string IssuingDirectory => _temp.Combine("issuing");

    [Fact]
    public async Task Writes_issuing_crt_and_an_owner_only_issuing_key_that_openssl_verifies_against_the_root()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);

        var result = await Cli.RunOkAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);

        var certificatePath = Path.Combine(IssuingDirectory, "issuing.crt");
        Assert.Equal(certificatePath, result.Report["certificate"]);
        Assert.Equal(Path.Combine(IssuingDirectory, "issuing.key"), result.Report["key"]);
        CaInitCommandTests.AssertOwnerOnly(result.Report["key"]);
        Assert.Equal(["issuing.crt", "issuing.key"], CaInitCommandTests.FileNames(IssuingDirectory));
        var verified = await ExternalProcess.OpenSslOkAsync("verify", "-x509_strict", "-CAfile", Path.Combine(RootDirectory, "ca.crt"), certificatePath);
        Assert.Equal($"{certificatePath}: OK", verified.StandardOutput.Trim());
        var text = (await ExternalProcess.OpenSslOkAsync("x509", "-in", certificatePath, "-noout", "-text")).StandardOutput;
        Assert.Contains("CA:TRUE, pathlen:0", text, StringComparison.Ordinal);
        Assert.Contains("Certificate Sign, CRL Sign", text, StringComparison.Ordinal);
        Assert.Contains("Subject: CN = TrackTrace Issuing CA", text, StringComparison.Ordinal);
        Assert.Contains("Issuer: CN = TrackTrace Dev CA", text, StringComparison.Ordinal);
        using var issuing = PemFiles.ReadCertificate(certificatePath);
        Assert.Equal(Fingerprint.Sha256Hex(issuing), result.Report["sha256"]);
        Assert.InRange(issuing.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(1825).AddMinutes(-10), DateTime.UtcNow.AddDays(1825).AddMinutes(1));
    }

    [Fact]
    public async Task Name_days_rsa_and_permitted_dns_shape_the_issuing_CA()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);

        var result = await Cli.RunOkAsync(
            "ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory, "--name", "Depot 7 Issuing CA", "--days", "90",
            "--rsa", "--permitted-dns", "devices.example.com", "tracktrace.test", "--permitted-dns", "depot7.example.com");

        using var issuing = PemFiles.ReadCertificate(result.Report["certificate"]);
        Assert.Equal("CN=Depot 7 Issuing CA", issuing.Subject);
        Assert.Equal(3072, issuing.GetRSAPublicKey()!.KeySize);
        Assert.Equal(["devices.example.com", "tracktrace.test", "depot7.example.com"], NameConstraints.PermittedDnsNames(issuing));
        Assert.InRange(issuing.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(90).AddMinutes(-10), DateTime.UtcNow.AddDays(90).AddMinutes(1));
    }

    [Fact]
    public async Task Once_the_issuing_CA_exists_the_root_key_can_go_offline_and_devices_are_still_issued()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);
        await Cli.RunOkAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);
        File.Delete(Path.Combine(RootDirectory, "ca.key"));

        var issued = await Cli.RunOkAsync("cert", "issue", "--ca", IssuingDirectory, "--device", "scanner-17", "--out", _temp.Path);

        Assert.Equal("CN=TrackTrace Issuing CA", issued.Report["issuer"]);
        await ExternalProcess.OpenSslOkAsync(
            "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", Path.Combine(RootDirectory, "ca.crt"),
            "-untrusted", Path.Combine(IssuingDirectory, "issuing.crt"), issued.Report["certificate"]);
    }

    [Fact]
    public async Task Refuses_to_replace_an_issuing_key_unless_forced()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);
        await Cli.RunOkAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);
        var original = await File.ReadAllBytesAsync(Path.Combine(IssuingDirectory, "issuing.key"));

        var refused = await Cli.RunAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--force", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(original, await File.ReadAllBytesAsync(Path.Combine(IssuingDirectory, "issuing.key")));
        await Cli.RunOkAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory, "--force");
        Assert.NotEqual(original, await File.ReadAllBytesAsync(Path.Combine(IssuingDirectory, "issuing.key")));
    }

    [Fact]
    public async Task An_issuing_CA_that_would_outlive_the_root_is_refused_saying_how_long_it_may_live()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory, "--days", "30");

        var refused = await Cli.RunAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("outlive its root", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("at most 29 days", refused.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(IssuingDirectory));
    }

    [Fact]
    public async Task An_issuing_CA_folder_given_as_the_root_is_refused()
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);
        await Cli.RunOkAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);

        var refused = await Cli.RunAsync("ca", "intermediate", "--ca", IssuingDirectory, "--out", _temp.Combine("second"));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("holds an issuing CA, not a root", refused.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_root_is_named()
    {
        var refused = await Cli.RunAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(RootDirectory, refused.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--permitted-dns", "*.example.com")]
    [InlineData("--permitted-dns", "exa mple.com")]
    [InlineData("--days", "0")]
    [InlineData("--name", "")]
    public async Task Bad_options_are_usage_errors(string option, string value)
    {
        await Cli.RunOkAsync("ca", "init", "--out", RootDirectory);

        var result = await Cli.RunAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tracktrace ca intermediate --help", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(IssuingDirectory));
    }

    [Fact]
    public async Task A_CA_made_by_openssl_can_be_the_root()
    {
        Directory.CreateDirectory(RootDirectory);
        var key = Path.Combine(RootDirectory, "ca.key");
        await ExternalProcess.OpenSslOkAsync("ecparam", "-name", "prime256v1", "-genkey", "-out", key);
        await ExternalProcess.OpenSslOkAsync(
            "req", "-x509", "-new", "-key", key, "-subj", "/CN=Operator Root", "-days", "3650",
            "-addext", "keyUsage = critical, keyCertSign, cRLSign", "-out", Path.Combine(RootDirectory, "ca.crt"));

        var result = await Cli.RunOkAsync("ca", "intermediate", "--ca", RootDirectory, "--out", IssuingDirectory, "--days", "365");

        using var issuing = PemFiles.ReadCertificate(result.Report["certificate"]);
        Assert.Equal("CN=Operator Root", issuing.Issuer);
        using var root = PemFiles.ReadCertificate(Path.Combine(RootDirectory, "ca.crt"));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(issuing));
    }
}
