using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TrackTrace.Pki;
using TrackTrace.UnitTests.Cli;

namespace TrackTrace.UnitTests.Pki;

/// <summary>
/// What a device may send to be certified: a PKCS#10 request in DER, base64 DER or PEM, with a
/// strong enough key, signed by that key. Everything else is refused with the reason and what is
/// accepted, before anything is signed.
/// </summary>
public sealed class CertificateSigningRequestTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_openssl_P256_request_is_accepted_as_PEM_DER_and_base64_DER_with_line_breaks()
    {
        var pem = await Csrs.OpenSslAsync(_temp.Path, "scanner", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        var der = Csrs.Der(pem);
        var base64 = Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + "\r\n";

        var fromPem = CertificateSigningRequest.Decode(pem);
        var fromDer = CertificateSigningRequest.Decode(der);
        var fromBase64 = CertificateSigningRequest.Decode(Encoding.ASCII.GetBytes(base64));

        Assert.Equal("ECDSA P-256", fromPem.KeyDescription);
        Assert.Equal("ecdsa-with-SHA256", fromPem.SignatureAlgorithm);
        Assert.Equal("CN=scanner", fromPem.RequestedSubject.Name);
        Assert.False(fromPem.IsRsa);
        Assert.Equal(fromPem.PublicKeyFingerprint, fromDer.PublicKeyFingerprint);
        Assert.Equal(fromPem.PublicKeyFingerprint, fromBase64.PublicKeyFingerprint);
    }

    [Fact]
    public async Task The_public_key_fingerprint_is_the_one_openssl_computes_for_the_key()
    {
        var pem = await Csrs.OpenSslAsync(_temp.Path, "scanner", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        var spki = _temp.Combine("scanner.spki");
        await ExternalProcess.OpenSslOkAsync("pkey", "-in", _temp.Combine("scanner.key"), "-pubout", "-outform", "DER", "-out", spki);

        var request = CertificateSigningRequest.Decode(pem);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(spki))), request.PublicKeyFingerprint);
        Assert.Equal(await File.ReadAllBytesAsync(spki), request.SubjectPublicKeyInfo.ToArray());
    }

    [Theory]
    [InlineData("ECDSA P-384", new[] { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384" })]
    [InlineData("ECDSA P-521", new[] { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-sha512" })]
    [InlineData("RSA 2048", new[] { "-newkey", "rsa:2048" })]
    [InlineData("RSA 3072", new[] { "-newkey", "rsa:3072", "-sha384" })]
    public async Task Stronger_keys_are_accepted(string description, string[] keyArguments)
    {
        var request = CertificateSigningRequest.Decode(await Csrs.OpenSslAsync(_temp.Path, "device", keyArguments));

        Assert.Equal(description, request.KeyDescription);
        Assert.Equal(description.StartsWith("RSA", StringComparison.Ordinal), request.IsRsa);
    }

    public static TheoryData<string, string[], string> RefusedKeys => new()
    {
        { "RSA 1024", ["-newkey", "rsa:1024"], "an RSA key of 1024 bits" },
        { "secp256k1", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"], "curve" },
        { "P-224", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-224"], "curve" },
        { "Ed25519", ["-newkey", "ed25519"], "Ed25519" },
        { "RSA-PSS key", ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"], "RSASSA-PSS" },
    };

    [Theory]
    [MemberData(nameof(RefusedKeys))]
    public async Task Weaker_or_unknown_keys_are_refused_naming_what_is_accepted(string name, string[] keyArguments, string named)
    {
        var pem = await Csrs.OpenSslAsync(_temp.Path, name.Replace(' ', '-'), keyArguments);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(pem));

        Assert.Equal(CertificateRequestRefusal.KeyNotAccepted, refused.Reason);
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        Assert.Contains(DeviceKeyPolicy.Accepted, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_DSA_key_is_refused()
    {
        var parameters = _temp.Combine("dsa.param");
        await ExternalProcess.OpenSslOkAsync("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", parameters);

        var pem = await Csrs.OpenSslAsync(_temp.Path, "dsa", "-newkey", "dsa:" + parameters);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(pem));
        Assert.Equal(CertificateRequestRefusal.KeyNotAccepted, refused.Reason);
        Assert.Contains("DSA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_P256_key_with_explicit_curve_parameters_is_refused()
    {
        var key = _temp.Combine("explicit.key");
        await ExternalProcess.OpenSslOkAsync("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-param_enc", "explicit", "-out", key);

        var pem = await Csrs.OpenSslForKeyAsync(_temp.Path, key);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(pem));
        Assert.Equal(CertificateRequestRefusal.KeyNotAccepted, refused.Reason);
        Assert.Contains("explicit curve parameters", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_P256_key_with_a_compressed_point_is_refused()
    {
        var key = _temp.Combine("compressed.key");
        await ExternalProcess.OpenSslOkAsync("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key);
        await ExternalProcess.OpenSslOkAsync("ec", "-in", key, "-conv_form", "compressed", "-out", key);

        var pem = await Csrs.OpenSslForKeyAsync(_temp.Path, key);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(pem));
        Assert.Equal(CertificateRequestRefusal.KeyNotAccepted, refused.Reason);
        Assert.Contains("compressed", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(65536)]
    public void An_RSA_key_with_a_public_exponent_below_65537_or_even_is_refused(int exponent)
    {
        // With e = 1 the "signature" is the padded hash itself: a request anyone can make for any modulus.
        var forged = Csrs.ForgeRsaWithExponent(exponent);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(forged));

        Assert.Equal(CertificateRequestRefusal.KeyNotAccepted, refused.Reason);
        Assert.Contains($"public exponent {exponent}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_RSA_key_larger_than_8192_bits_is_refused()
    {
        var modulus = RandomNumberGenerator.GetBytes(8200 / 8);
        modulus[0] |= 0x80;
        modulus[^1] |= 1;
        var forged = Csrs.Forge(Csrs.RsaSubjectPublicKeyInfo(modulus, 65537), "1.2.840.113549.1.1.11", _ => new byte[modulus.Length]);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(forged));

        Assert.Equal(CertificateRequestRefusal.KeyNotAccepted, refused.Reason);
        Assert.Contains("8200 bits", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_openssl_request_whose_signature_was_altered_is_refused()
    {
        var der = Csrs.Der(await Csrs.OpenSslAsync(_temp.Path, "scanner", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        CertificateSigningRequest.Decode(der);
        var broken = (byte[])der.Clone();
        broken[^5] ^= 0x01; // inside the ECDSA signature's s

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(broken));

        Assert.Equal(CertificateRequestRefusal.SignatureInvalid, refused.Reason);
    }

    [Fact]
    public async Task An_openssl_request_whose_subject_was_changed_after_signing_is_refused()
    {
        var der = Csrs.Der(await Csrs.OpenSslAsync(_temp.Path, "scanner", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        var name = Encoding.ASCII.GetBytes("scanner");
        var at = der.AsSpan().IndexOf(name);
        Assert.True(at > 0);
        var tampered = (byte[])der.Clone();
        Encoding.ASCII.GetBytes("admin!!").CopyTo(tampered, at);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(tampered));

        Assert.Equal(CertificateRequestRefusal.SignatureInvalid, refused.Reason);
    }

    [Fact]
    public void A_request_for_one_key_signed_by_another_is_refused()
    {
        // The attacker sends the victim's public key but can only sign with its own.
        using var victim = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=device"), new PublicKey(victim), HashAlgorithmName.SHA256);
        var forged = request.CreateSigningRequest(X509SignatureGenerator.CreateForECDsa(attacker));

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(forged));

        Assert.Equal(CertificateRequestRefusal.SignatureInvalid, refused.Reason);
        Assert.Equal(CertificateRequestRefusal.SignatureInvalid,
            Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(Csrs.ForgeEcdsa(attacker, victim.ExportSubjectPublicKeyInfo()))).Reason);
    }

    [Fact]
    public void A_hand_made_request_signed_properly_is_accepted_so_the_forgeries_above_fail_for_their_flaw()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var request = CertificateSigningRequest.Decode(Csrs.ForgeEcdsa(key));

        Assert.Equal(Fingerprint.PublicKeySha256Hex(new PublicKey(key)), request.PublicKeyFingerprint);
    }

    [Theory]
    [InlineData("sha1", "1.2.840.10045.4.1")]
    [InlineData("sha224", "1.2.840.10045.4.3.1")]
    public async Task A_request_signed_with_a_weak_hash_is_refused(string digest, string oid)
    {
        var key = _temp.Combine("device.key");
        await ExternalProcess.OpenSslOkAsync("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key);

        var pem = await Csrs.OpenSslForKeyAsync(_temp.Path, key, "-" + digest);

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(pem));
        Assert.Equal(CertificateRequestRefusal.SignatureAlgorithmNotAccepted, refused.Reason);
        Assert.Contains(oid, refused.Message, StringComparison.Ordinal);
        Assert.Contains(CertificateSigningRequest.AcceptedSignatures, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_RSA_PSS_signature_is_refused_by_name_rather_than_as_a_bad_signature()
    {
        var pem = await Csrs.OpenSslAsync(_temp.Path, "pss", "-newkey", "rsa:2048", "-sigopt", "rsa_padding_mode:pss");

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(pem));

        Assert.Equal(CertificateRequestRefusal.SignatureAlgorithmNotAccepted, refused.Reason);
    }

    public static TheoryData<string, byte[]> Unreadable => new()
    {
        { "empty", [] },
        { "white space", " \r\n\t "u8.ToArray() },
        { "random bytes", [0x30, 0x82, 0x01, 0x00, 0x02, 0x01] },
        { "binary junk", [0xFF, 0xD8, 0xFF, 0xE0, 0x00] },
        { "not base64", "this is not a request"u8.ToArray() },
        { "a certificate's PEM", Encoding.ASCII.GetBytes(CertificateAuthority.CreateSelfSigned(CertificateProfile.ForDevice("d1")).ExportCertificatePem()) },
        { "a broken PEM", "-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n"u8.ToArray() },
        { "an empty SEQUENCE", [0x30, 0x00] },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void What_is_not_a_request_is_refused_as_unreadable(string what, byte[] data)
    {
        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(data));

        Assert.True(refused.Reason == CertificateRequestRefusal.Unreadable, $"{what}: {refused.Reason} {refused.Message}");
        Assert.StartsWith("the certificate request cannot be read", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_trailing_and_version_2_requests_are_unreadable()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = Csrs.Bcl(key);

        Assert.Equal(CertificateRequestRefusal.Unreadable,
            Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(der[..^1])).Reason);
        Assert.Equal(CertificateRequestRefusal.Unreadable,
            Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode([.. der, 0x00])).Reason);
        Assert.Equal(CertificateRequestRefusal.Unreadable,
            Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(Csrs.Forge(
                key.ExportSubjectPublicKeyInfo(), "1.2.840.10045.4.3.2",
                info => key.SignData(info, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), version: 1))).Reason);
    }

    [Fact]
    public void A_request_larger_than_32_KiB_is_refused_before_it_is_parsed()
    {
        var huge = new byte[CertificateSigningRequest.MaxEncodedLength + 1];
        huge[0] = 0x30;

        var refused = Assert.Throws<CertificateRequestRefusedException>(() => CertificateSigningRequest.Decode(huge));

        Assert.Equal(CertificateRequestRefusal.TooLarge, refused.Reason);
    }

    [Fact]
    public async Task A_request_file_is_read_in_any_of_the_three_forms_and_a_missing_one_is_named()
    {
        var pem = await Csrs.OpenSslAsync(_temp.Path, "scanner", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        var der = _temp.Combine("scanner.der");
        await File.WriteAllBytesAsync(der, Csrs.Der(pem));

        Assert.Equal(
            CertificateSigningRequest.ReadFile(_temp.Combine("scanner.csr")).PublicKeyFingerprint,
            CertificateSigningRequest.ReadFile(der).PublicKeyFingerprint);
        var missing = Assert.Throws<PkiException>(() => CertificateSigningRequest.ReadFile(_temp.Combine("nope.csr")));
        Assert.Contains("nope.csr", missing.Message, StringComparison.Ordinal);
    }
}
