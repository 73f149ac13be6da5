using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

public sealed class PemFilesTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Certificate_and_key_round_trip_through_PEM_files(bool rsa)
    {
        using var ca = CertificateAuthority.Create(); // an RSA CA key is covered by the CLI tests; RSA key generation is slow
        using var device = ca.IssueClientCertificate("d1", rsa: rsa);

        var written = PemFiles.WriteCertificateAndKey(_temp.Path, "d1", device);

        using var read = PemFiles.ReadCertificateWithKey(written.CertificatePath, written.KeyPath);
        Assert.Equal(device.RawData, read.RawData);
        Assert.True(read.HasPrivateKey);
        using var key = PemFiles.ReadPrivateKey(written.KeyPath);
        Assert.IsAssignableFrom(rsa ? typeof(RSA) : typeof(ECDsa), key);
        Assert.Equal(["d1.crt", "d1.key"], CaInitCommandTests.FileNames(_temp.Path));
        CaInitCommandTests.AssertOwnerOnly(written.KeyPath);
    }

    [Fact]
    public void Saved_CA_loads_back_and_signs_what_its_certificate_vouches_for()
    {
        using var created = CertificateAuthority.Create(name: "Round Trip CA");
        created.Save(_temp.Path);

        using var loaded = CertificateAuthority.Load(_temp.Path);
        using var device = loaded.IssueClientCertificate("d1");

        Assert.Equal(created.Certificate.RawData, loaded.Certificate.RawData);
        Assert.Equal(X509ChainStatusFlags.NoError, Certificates.ValidateAsClient(device, created.Certificate));
    }

    [Fact]
    public void Writing_a_key_without_overwrite_leaves_an_existing_file_alone()
    {
        var path = _temp.Combine("existing.key");
        File.WriteAllText(path, "keep me");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var refused = Assert.Throws<PkiException>(() => PemFiles.WritePrivateKey(path, key, overwrite: false));

        Assert.Contains("already exists", refused.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(path));
        Assert.Equal(["existing.key"], CaInitCommandTests.FileNames(_temp.Path));
    }

    [Fact]
    public void Encrypted_key_is_refused_with_a_hint()
    {
        var path = _temp.Combine("encrypted.key");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(path, key.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));

        var refused = Assert.Throws<PkiException>(() => PemFiles.ReadPrivateKey(path));

        Assert.Contains("encrypted", refused.Message, StringComparison.Ordinal);
        Assert.Contains("openssl pkey", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_of_another_algorithm_is_refused_by_name()
    {
        var path = _temp.Combine("ed25519.key");
        await ExternalProcess.OpenSslOkAsync("genpkey", "-algorithm", "ed25519", "-out", path);

        var refused = Assert.Throws<PkiException>(() => PemFiles.ReadPrivateKey(path));

        Assert.Contains("only ECDSA and RSA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_without_the_expected_PEM_block_are_refused_with_their_path()
    {
        var path = _temp.Combine("not-pem.txt");
        File.WriteAllText(path, "hello");

        Assert.Contains(path, Assert.Throws<PkiException>(() => PemFiles.ReadPrivateKey(path)).Message, StringComparison.Ordinal);
        Assert.Contains(path, Assert.Throws<PkiException>(() => PemFiles.ReadCertificate(path)).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<PkiException>(() => PemFiles.ReadCertificate(_temp.Combine("missing.crt"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_with_a_non_CA_certificate_cannot_act_as_a_CA()
    {
        using var ca = CertificateAuthority.Create();
        using var device = ca.IssueClientCertificate("d1");
        PemFiles.WriteCertificateAndKey(_temp.Path, "ca", device);

        var refused = Assert.Throws<PkiException>(() => CertificateAuthority.Load(_temp.Path));

        Assert.Contains("not a CA certificate", refused.Message, StringComparison.Ordinal);
    }
}
