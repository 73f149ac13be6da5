using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.UnitTests.Cli;

namespace TrackTrace.UnitTests.Pki;

/// <summary>
/// Certificate signing requests as devices (and attackers) make them: with openssl, with the BCL,
/// or byte by byte when no tool would produce such a thing.
/// </summary>
internal static class Csrs
{
    /// <summary>
    /// Runs <c>openssl req -new</c> with <paramref name="keyArguments"/> (e.g. <c>-newkey ec -pkeyopt ec_paramgen_curve:P-256</c>)
    /// and returns the PEM request; the key stays in <paramref name="directory"/>.
    /// </summary>
    public static async Task<string> OpenSslAsync(string directory, string name, params string[] keyArguments)
    {
        var path = Path.Combine(directory, name + ".csr");
        await ExternalProcess.OpenSslOkAsync(
            ["req", "-new", .. keyArguments, "-nodes", "-keyout", Path.Combine(directory, name + ".key"), "-subj", "/CN=" + name, "-out", path]);
        return await File.ReadAllTextAsync(path);
    }

    /// <summary>A request for an existing key file (<c>openssl req -new -key</c>), with any further arguments.</summary>
    public static async Task<string> OpenSslForKeyAsync(string directory, string keyPath, params string[] arguments)
    {
        var path = Path.Combine(directory, Path.GetFileNameWithoutExtension(keyPath) + ".csr");
        await ExternalProcess.OpenSslOkAsync(["req", "-new", "-key", keyPath, "-subj", "/CN=device", .. arguments, "-out", path]);
        return await File.ReadAllTextAsync(path);
    }

    public static byte[] Der(string pem) => PemEncoding.Find(pem) is var fields ? Convert.FromBase64String(pem[fields.Base64Data]) : [];

    /// <summary>A BCL-made request for <paramref name="key"/>, asking for whatever extensions the test adds.</summary>
    public static byte[] Bcl(AsymmetricAlgorithm key, string subject = "CN=device", Action<CertificateRequest>? ask = null)
    {
        var request = key switch
        {
            ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("ECDSA or RSA", nameof(key)),
        };
        ask?.Invoke(request);
        return request.CreateSigningRequest();
    }

    /// <summary>
    /// A request assembled by hand: the CertificationRequestInfo of <paramref name="subjectPublicKeyInfo"/>,
    /// signed over by <paramref name="sign"/> and labelled with <paramref name="signatureOid"/>.
    /// </summary>
    public static byte[] Forge(byte[] subjectPublicKeyInfo, string signatureOid, Func<byte[], byte[]> sign, int version = 0)
    {
        var info = new AsnWriter(AsnEncodingRules.DER);
        using (info.PushSequence())
        {
            info.WriteInteger(version);
            info.WriteEncodedValue(new X500DistinguishedName("CN=device").RawData);
            info.WriteEncodedValue(subjectPublicKeyInfo);
            info.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
            info.PopSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
        }

        var infoBytes = info.Encode();
        var request = new AsnWriter(AsnEncodingRules.DER);
        using (request.PushSequence())
        {
            request.WriteEncodedValue(infoBytes);
            using (request.PushSequence())
            {
                request.WriteObjectIdentifier(signatureOid);
                if (signatureOid.StartsWith("1.2.840.113549", StringComparison.Ordinal))
                {
                    request.WriteNull();
                }
            }

            request.WriteBitString(sign(infoBytes));
        }

        return request.Encode();
    }

    /// <summary>An ECDSA P-256 request signed properly, forged by hand (the baseline the hostile forgeries vary).</summary>
    public static byte[] ForgeEcdsa(ECDsa key, byte[]? subjectPublicKeyInfo = null) =>
        Forge(subjectPublicKeyInfo ?? key.ExportSubjectPublicKeyInfo(), "1.2.840.10045.4.3.2",
            info => key.SignData(info, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    /// <summary>
    /// An RSA "key" of a random 2048-bit modulus with public exponent <paramref name="exponent"/>,
    /// in a request whose signature is just the padded hash: with e = 1 anyone can make one, since
    /// s^1 mod n = s verifies.
    /// </summary>
    public static byte[] ForgeRsaWithExponent(int exponent)
    {
        var modulusBytes = RandomNumberGenerator.GetBytes(256);
        modulusBytes[0] = 0xC3;
        modulusBytes[^1] |= 1;
        var spki = RsaSubjectPublicKeyInfo(modulusBytes, exponent);
        return Forge(spki, "1.2.840.113549.1.1.11", info =>
        {
            // EMSA-PKCS1-v1_5: 00 01 FF.. 00 DigestInfo(SHA-256)
            byte[] digestInfoPrefix = Convert.FromHexString("3031300d060960864801650304020105000420");
            var hash = SHA256.HashData(info);
            var encoded = new byte[modulusBytes.Length];
            encoded[1] = 0x01;
            var padEnd = encoded.Length - digestInfoPrefix.Length - hash.Length - 1;
            encoded.AsSpan(2, padEnd - 2).Fill(0xFF);
            digestInfoPrefix.CopyTo(encoded, padEnd + 1);
            hash.CopyTo(encoded, padEnd + 1 + digestInfoPrefix.Length);
            return encoded;
        });
    }

    public static byte[] RsaSubjectPublicKeyInfo(byte[] modulus, BigInteger exponent)
    {
        var key = new AsnWriter(AsnEncodingRules.DER);
        using (key.PushSequence())
        {
            key.WriteInteger(new BigInteger(modulus, isUnsigned: true, isBigEndian: true));
            key.WriteInteger(exponent);
        }

        var spki = new AsnWriter(AsnEncodingRules.DER);
        using (spki.PushSequence())
        {
            using (spki.PushSequence())
            {
                spki.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                spki.WriteNull();
            }

            spki.WriteBitString(key.Encode());
        }

        return spki.Encode();
    }
}
