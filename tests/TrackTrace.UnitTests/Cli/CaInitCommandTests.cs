using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

public sealed class CaInitCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Writes_a_self_signed_ECDSA_CA_and_a_key_only_the_owner_can_read()
    {
        var caDirectory = _temp.Combine("not", "yet", "there");

        var result = await Cli.RunOkAsync("ca", "init", "--out", caDirectory);

        var certificatePath = Path.Combine(caDirectory, "ca.crt");
        var keyPath = Path.Combine(caDirectory, "ca.key");
        Assert.Equal(certificatePath, result.Report["certificate"]);
        Assert.Equal(keyPath, result.Report["key"]);
        AssertOwnerOnly(keyPath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(keyPath), StringComparison.Ordinal);

        using var ca = PemFiles.ReadCertificateWithKey(certificatePath, keyPath);
        Assert.Equal(Fingerprint.Sha256Hex(ca), result.Report["sha256"]);
        Assert.Equal("CN=TrackTrace Dev CA", ca.Subject);
        Assert.Equal(ca.Subject, ca.Issuer);
        Assert.Equal(256, ca.GetECDsaPublicKey()!.KeySize);
        AssertIsCa(ca);
        AssertValidForDays(ca, 3650);
    }

    [Fact]
    public async Task Rsa_name_and_days_options_shape_the_CA()
    {
        var result = await Cli.RunOkAsync("ca", "init", "--out", _temp.Path, "--rsa", "--name", "Depot 7 Test CA", "--days", "30");

        using var ca = PemFiles.ReadCertificate(result.Report["certificate"]);
        Assert.Equal("CN=Depot 7 Test CA", ca.Subject);
        Assert.Equal(3072, ca.GetRSAPublicKey()!.KeySize);
        Assert.Null(ca.GetECDsaPublicKey());
        AssertIsCa(ca);
        AssertValidForDays(ca, 30);
        AssertOwnerOnly(result.Report["key"]);
    }

    [Fact]
    public async Task Refuses_to_overwrite_an_existing_CA_key_unless_forced()
    {
        await Cli.RunOkAsync("ca", "init", "--out", _temp.Path);
        var keyPath = _temp.Combine("ca.key");
        var certificatePath = _temp.Combine("ca.crt");
        var originalKey = await File.ReadAllBytesAsync(keyPath);
        var originalCertificate = await File.ReadAllBytesAsync(certificatePath);

        var refused = await Cli.RunAsync("ca", "init", "--out", _temp.Path);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("already exists", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("--force", refused.StandardError, StringComparison.Ordinal);
        Assert.Empty(refused.StandardOutput);
        Assert.Equal(originalKey, await File.ReadAllBytesAsync(keyPath));
        Assert.Equal(originalCertificate, await File.ReadAllBytesAsync(certificatePath));

        if (!OperatingSystem.IsWindows())
        {
            // A key left readable by an older tool must not keep that mode once replaced.
            File.SetUnixFileMode(keyPath, File.GetUnixFileMode(keyPath) | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        await Cli.RunOkAsync("ca", "init", "--out", _temp.Path, "--force");

        Assert.NotEqual(originalKey, await File.ReadAllBytesAsync(keyPath));
        Assert.NotEqual(originalCertificate, await File.ReadAllBytesAsync(certificatePath));
        AssertOwnerOnly(keyPath);
        Assert.Equal(["ca.crt", "ca.key"], FileNames(_temp.Path));
    }

    [Theory]
    [InlineData("--days", "0")]
    [InlineData("--days", "x")]
    [InlineData("--name", "")]
    [InlineData("--unknown", "1")]
    public async Task Bad_options_are_usage_errors(string option, string value)
    {
        var result = await Cli.RunAsync("ca", "init", "--out", _temp.Path, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("tracktrace ca init --help", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task Missing_out_is_a_usage_error()
    {
        var result = await Cli.RunAsync("ca", "init");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--out", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Names in the directory, sorted: shows a stray temporary file as well as a missing one.</summary>
    internal static string[] FileNames(string directory) =>
        [.. Directory.GetFileSystemEntries(directory).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];

    internal static void AssertOwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    private static void AssertIsCa(X509Certificate2 ca)
    {
        var constraints = Certificates.Single<X509BasicConstraintsExtension>(ca);
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = Certificates.Single<X509KeyUsageExtension>(ca);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.True(usage.Critical);
        Assert.NotEmpty(Certificates.Single<X509SubjectKeyIdentifierExtension>(ca).SubjectKeyIdentifier!);
        Assert.Empty(ca.Extensions.OfType<X509EnhancedKeyUsageExtension>());
    }

    private static void AssertValidForDays(X509Certificate2 certificate, int days)
    {
        var now = DateTime.UtcNow;
        Assert.InRange(certificate.NotBefore.ToUniversalTime(), now.AddMinutes(-10), now);
        Assert.InRange(certificate.NotAfter.ToUniversalTime(), now.AddDays(days).AddMinutes(-10), now.AddDays(days).AddMinutes(1));
    }
}
