using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TrackTrace.Pki;
using TrackTrace.UnitTests.Cli;

namespace TrackTrace.UnitTests.Pki;

/// <summary>
/// The EST answers (RFC 7030 4.1.3, 4.2.3): PKCS#7 certs-only, DER in base64, and the PEM chain,
/// written here and read by openssl, written by openssl and read here.
/// </summary>
public sealed class EstWireFormatTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();
    private readonly CertificateAuthority _root = CertificateAuthority.Create();
    private readonly CertificateAuthority _issuing;
    private readonly X509Certificate2 _device;

    public EstWireFormatTests()
    {
        _issuing = _root.CreateIssuingAuthority();
        _device = _issuing.IssueClientCertificate("scanner-17");
    }

    private X509Certificate2[] Chain => [_device, _issuing.Certificate, _root.Certificate];

    public void Dispose()
    {
        _device.Dispose();
        _issuing.Dispose();
        _root.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Openssl_prints_every_certificate_of_the_DER_message()
    {
        var path = _temp.Combine("chain.p7");
        await File.WriteAllBytesAsync(path, Pkcs7CertsOnly.Encode(Chain));

        var printed = await ExternalProcess.OpenSslOkAsync("pkcs7", "-inform", "DER", "-in", path, "-print_certs");

        AssertSameCertificates(Chain, PemCertificateChain.Read(printed.StandardOutput));
        Assert.Contains("subject=CN = scanner-17", printed.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_base64_body_decodes_with_base64_dash_d_into_what_openssl_reads()
    {
        var body = Pkcs7CertsOnly.EncodeBase64(Chain);
        var base64Path = _temp.Combine("chain.b64");
        var derPath = _temp.Combine("chain.der");
        await File.WriteAllTextAsync(base64Path, body);

        Assert.All(body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), line => Assert.InRange(line.Length, 1, 76));
        await ExternalProcess.OpenSslOkAsync("base64", "-d", "-in", base64Path, "-out", derPath);
        var printed = await ExternalProcess.OpenSslOkAsync("pkcs7", "-inform", "DER", "-in", derPath, "-print_certs");
        AssertSameCertificates(Chain, PemCertificateChain.Read(printed.StandardOutput));
    }

    [Fact]
    public async Task A_message_openssl_made_decodes_as_DER_as_PEM_and_as_base64_with_line_breaks()
    {
        var chainPath = _temp.Combine("chain.pem");
        await File.WriteAllTextAsync(chainPath, PemCertificateChain.Write(Chain));
        var derPath = _temp.Combine("openssl.p7");
        var pemPath = _temp.Combine("openssl.p7.pem");
        await ExternalProcess.OpenSslOkAsync("crl2pkcs7", "-nocrl", "-certfile", chainPath, "-outform", "DER", "-out", derPath);
        await ExternalProcess.OpenSslOkAsync("crl2pkcs7", "-nocrl", "-certfile", chainPath, "-out", pemPath);
        var der = await File.ReadAllBytesAsync(derPath);
        var base64 = Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks);

        AssertSameCertificates(Chain, Pkcs7CertsOnly.Decode(der));
        AssertSameCertificates(Chain, Pkcs7CertsOnly.Decode(await File.ReadAllBytesAsync(pemPath)));
        AssertSameCertificates(Chain, Pkcs7CertsOnly.Decode(Encoding.ASCII.GetBytes(base64)));
        AssertSameCertificates(Chain, Pkcs7CertsOnly.Decode(Encoding.ASCII.GetBytes(" " + base64.Replace("\r\n", "\n  ") + "\n")));
    }

    [Fact]
    public void What_is_encoded_decodes_back_and_the_structure_is_certs_only()
    {
        var der = Pkcs7CertsOnly.Encode(Chain);

        AssertSameCertificates(Chain, Pkcs7CertsOnly.Decode(der));
        AssertSameCertificates(Chain, Pkcs7CertsOnly.Decode(Encoding.ASCII.GetBytes(Pkcs7CertsOnly.EncodeBase64(Chain))));

        // ContentInfo { signedData, [0] SignedData { 1, {}, { data }, [0] certificates, {} } }
        var contentInfo = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        Assert.Equal("1.2.840.113549.1.7.2", contentInfo.ReadObjectIdentifier());
        var signedData = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        Assert.Equal(1, (int)signedData.ReadInteger());
        Assert.False(signedData.ReadSetOf().HasData);
        var encapsulated = signedData.ReadSequence();
        Assert.Equal("1.2.840.113549.1.7.1", encapsulated.ReadObjectIdentifier());
        Assert.False(encapsulated.HasData);
        signedData.ReadSetOf(new Asn1Tag(TagClass.ContextSpecific, 0));
        Assert.False(signedData.ReadSetOf().HasData);
        Assert.False(signedData.HasData);
    }

    [Fact]
    public void A_single_certificate_is_a_valid_message_and_none_is_refused()
    {
        AssertSameCertificates([_device], Pkcs7CertsOnly.Decode(Pkcs7CertsOnly.Encode([_device])));
        Assert.Throws<ArgumentException>(() => Pkcs7CertsOnly.Encode([]));
    }

    public static TheoryData<string, byte[]> NotCertsOnly => new()
    {
        { "empty", [] },
        { "junk", [0x30, 0x03, 0x02, 0x01, 0x01] },
        { "truncated", [0x30, 0x82, 0x10, 0x00, 0x06] },
        { "not base64", "<html>502 Bad Gateway</html>"u8.ToArray() },
        { "a data ContentInfo", [0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01] },
        { "a PEM certificate rather than PKCS7", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(NotCertsOnly))]
    public void What_is_not_a_certs_only_message_is_refused(string what, byte[] data)
    {
        var refused = Assert.Throws<PkiException>(() => Pkcs7CertsOnly.Decode(data));

        Assert.False(string.IsNullOrWhiteSpace(refused.Message), what);
    }

    [Fact]
    public void A_certificate_inside_the_message_that_is_not_a_certificate_is_refused()
    {
        var der = Pkcs7CertsOnly.Encode([_device]);
        var at = der.AsSpan().IndexOf(_device.RawData.AsSpan(0, 40));
        Assert.True(at > 0);
        var broken = (byte[])der.Clone();
        broken[at + 8] ^= 0xFF; // inside the TBSCertificate's header: no longer a certificate

        Assert.Throws<PkiException>(() => Pkcs7CertsOnly.Decode(broken));
    }

    [Fact]
    public async Task The_PEM_chain_keeps_the_order_leaf_first_and_openssl_verifies_the_leaf_with_it()
    {
        var pem = PemCertificateChain.Write(Chain);
        var path = _temp.Combine("chain.pem");
        await File.WriteAllTextAsync(path, pem);
        var rootPath = _temp.Combine("ca.crt");
        PemFiles.WriteCertificate(rootPath, _root.Certificate);

        var read = PemCertificateChain.Read(pem);

        Assert.Equal(Chain.Select(c => c.Thumbprint), read.Select(c => c.Thumbprint));
        Assert.Equal(3, pem.Split("-----BEGIN CERTIFICATE-----").Length - 1);
        await ExternalProcess.OpenSslOkAsync("verify", "-CAfile", rootPath, "-untrusted", path, path);
        Assert.Throws<PkiException>(() => PemCertificateChain.Read("no certificate here"));
        Assert.Throws<ArgumentException>(() => PemCertificateChain.Write([]));
    }

    private static void AssertSameCertificates(IEnumerable<X509Certificate2> expected, X509Certificate2Collection actual) =>
        Assert.Equal(expected.Select(c => c.Thumbprint).Order(), actual.Select(c => c.Thumbprint).Order());
}
