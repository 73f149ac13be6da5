using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

/// <summary>
/// Which public keys a device certificate may certify: ECDSA on a NIST curve of at least 256 bits
/// (named, uncompressed point) or RSA of 2048 to 8192 bits with a public exponent of at least
/// 65537. Everything else, weaker or merely unknown, is refused before any signature is checked.
/// </summary>
public static class DeviceKeyPolicy
{
    public const int MinimumRsaBits = 2048;

    /// <summary>Beyond this an RSA key only costs verification time; no device needs it.</summary>
    public const int MaximumRsaBits = 8192;

    /// <summary>What is accepted, for the messages that refuse something else.</summary>
    public const string Accepted =
        "ECDSA on P-256, P-384 or P-521 (named curve, uncompressed point), or RSA of 2048 to 8192 bits with a public exponent of at least 65537";

    private static readonly BigInteger MinimumExponent = 65537;

    // CA/Browser Forum: 2^16+1 <= e < 2^256. An exponent of 1 would let anyone "sign" for the key.
    private static readonly BigInteger ExponentLimit = BigInteger.One << 256;

    private static readonly Dictionary<string, (string Name, int PointLength)> Curves = new()
    {
        [Oids.P256] = ("P-256", 65),
        [Oids.P384] = ("P-384", 97),
        [Oids.P521] = ("P-521", 133),
    };

    private static readonly Dictionary<string, string> KnownRefusedAlgorithms = new()
    {
        ["1.3.101.112"] = "Ed25519",
        ["1.3.101.113"] = "Ed448",
        ["1.3.101.110"] = "X25519",
        ["1.3.101.111"] = "X448",
        ["1.2.840.10040.4.1"] = "DSA",
        [Oids.RsaPss] = "RSASSA-PSS",
        ["1.2.840.10046.2.1"] = "Diffie-Hellman",
        ["1.2.156.10197.1.301"] = "SM2",
    };

    /// <summary>
    /// Checks a DER SubjectPublicKeyInfo against the policy and returns the key re-encoded the one
    /// way this library encodes it, so the same key always has the same fingerprint.
    /// </summary>
    /// <exception cref="CertificateRequestRefusedException">with <see cref="CertificateRequestRefusal.KeyNotAccepted"/> or <see cref="CertificateRequestRefusal.Unreadable"/>.</exception>
    public static AcceptedKey Check(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        string algorithm;
        ReadOnlyMemory<byte>? parameters;
        byte[] keyBits;
        try
        {
            var spki = new AsnReader(subjectPublicKeyInfo.ToArray(), AsnEncodingRules.DER);
            var sequence = spki.ReadSequence();
            spki.ThrowIfNotEmpty();
            var algorithmIdentifier = sequence.ReadSequence();
            algorithm = algorithmIdentifier.ReadObjectIdentifier();
            parameters = algorithmIdentifier.HasData ? algorithmIdentifier.ReadEncodedValue() : null;
            algorithmIdentifier.ThrowIfNotEmpty();
            keyBits = sequence.ReadBitString(out var unusedBits);
            sequence.ThrowIfNotEmpty();
            if (unusedBits != 0)
            {
                throw Unreadable("its public key is not a whole number of bytes");
            }
        }
        catch (AsnContentException e)
        {
            throw Unreadable($"its SubjectPublicKeyInfo is not valid DER ({e.Message})", e);
        }

        return algorithm switch
        {
            Oids.EcPublicKey => CheckEcdsa(parameters, keyBits, subjectPublicKeyInfo),
            Oids.Rsa => CheckRsa(parameters, keyBits, subjectPublicKeyInfo),
            _ => throw NotAccepted($"a key of algorithm {Describe(algorithm)}"),
        };
    }

    private static AcceptedKey CheckEcdsa(ReadOnlyMemory<byte>? parameters, byte[] point, ReadOnlySpan<byte> spki)
    {
        string curveOid;
        try
        {
            // Explicit curve parameters (a SEQUENCE) could describe any curve at all: only names are taken.
            curveOid = parameters is { } encoded && new AsnReader(encoded, AsnEncodingRules.DER).PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier)
                ? new AsnReader(encoded, AsnEncodingRules.DER).ReadObjectIdentifier()
                : throw NotAccepted("an ECDSA key with explicit curve parameters instead of a named curve");
        }
        catch (AsnContentException e)
        {
            throw Unreadable($"its ECDSA curve cannot be read ({e.Message})", e);
        }

        if (!Curves.TryGetValue(curveOid, out var curve))
        {
            throw NotAccepted($"an ECDSA key on curve {Describe(curveOid)}");
        }

        if (point.Length == 0 || point[0] != 0x04)
        {
            throw NotAccepted($"an ECDSA {curve.Name} key with a compressed or malformed point");
        }

        if (point.Length != curve.PointLength)
        {
            throw Unreadable($"its {curve.Name} point is {point.Length} bytes long, not {curve.PointLength}");
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(spki, out _);
            return new AcceptedKey($"ECDSA {curve.Name}", IsRsa: false, key.ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException e)
        {
            throw Unreadable($"its {curve.Name} point is not on the curve ({e.Message})", e);
        }
    }

    private static AcceptedKey CheckRsa(ReadOnlyMemory<byte>? parameters, byte[] keyBits, ReadOnlySpan<byte> spki)
    {
        BigInteger modulus;
        BigInteger exponent;
        try
        {
            if (parameters is { } encoded)
            {
                new AsnReader(encoded, AsnEncodingRules.DER).ReadNull();
            }

            var outer = new AsnReader(keyBits, AsnEncodingRules.DER);
            var rsaPublicKey = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            modulus = rsaPublicKey.ReadInteger();
            exponent = rsaPublicKey.ReadInteger();
            rsaPublicKey.ThrowIfNotEmpty();
        }
        catch (AsnContentException e)
        {
            throw Unreadable($"its RSA public key is not valid DER ({e.Message})", e);
        }

        if (modulus.Sign <= 0 || modulus.IsEven)
        {
            throw NotAccepted("an RSA key whose modulus is not a positive odd number");
        }

        var bits = (int)modulus.GetBitLength();
        if (bits < MinimumRsaBits)
        {
            throw NotAccepted($"an RSA key of {bits} bits");
        }

        if (bits > MaximumRsaBits)
        {
            throw NotAccepted($"an RSA key of {bits} bits (more than {MaximumRsaBits})");
        }

        if (exponent < MinimumExponent || exponent >= ExponentLimit || exponent.IsEven)
        {
            throw NotAccepted($"an RSA key with public exponent {(exponent.GetBitLength() > 64 ? "of " + exponent.GetBitLength() + " bits" : exponent.ToString())}");
        }

        try
        {
            using var key = RSA.Create();
            key.ImportSubjectPublicKeyInfo(spki, out _);
            return new AcceptedKey($"RSA {bits}", IsRsa: true, key.ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException e)
        {
            throw Unreadable($"its RSA key cannot be imported ({e.Message})", e);
        }
    }

    private static string Describe(string oid) =>
        KnownRefusedAlgorithms.TryGetValue(oid, out var name) || TryFriendlyName(oid, out name) ? $"{name} ({oid})" : oid;

    private static bool TryFriendlyName(string oid, out string name)
    {
        name = new Oid(oid).FriendlyName ?? "";
        return name.Length > 0;
    }

    private static CertificateRequestRefusedException NotAccepted(string what) =>
        new(CertificateRequestRefusal.KeyNotAccepted, $"the request holds {what}; accepted are {Accepted}");

    private static CertificateRequestRefusedException Unreadable(string why, Exception? inner = null) =>
        new(CertificateRequestRefusal.Unreadable, $"the request cannot be read: {why}", inner);
}

/// <summary>A public key the policy accepts, in canonical DER, with its description ("ECDSA P-256", "RSA 2048").</summary>
public sealed record AcceptedKey(string Description, bool IsRsa, byte[] SubjectPublicKeyInfo)
{
    public PublicKey PublicKey => PublicKey.CreateFromSubjectPublicKeyInfo(SubjectPublicKeyInfo, out _);

    /// <summary>SHA-256 of <see cref="SubjectPublicKeyInfo"/>, lowercase hex: what <see cref="Fingerprint.PublicKeySha256Hex(PublicKey)"/> gives for the same key.</summary>
    public string PublicKeyFingerprint => Convert.ToHexStringLower(SHA256.HashData(SubjectPublicKeyInfo));
}
