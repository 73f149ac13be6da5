using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

/// <summary>
/// The development CA that signs device (client) and server certificates. Created fresh with
/// <see cref="Create(string, int, bool, TimeProvider?)"/> or loaded from a directory holding
/// <c>ca.crt</c> and <c>ca.key</c> (ours or openssl's). Issuing is safe from several threads.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const string CertificateFileName = "ca.crt";
    public const string KeyFileName = "ca.key";
    public const string DefaultName = "TrackTrace Dev CA";
    public const int DefaultDays = 3650;

    private readonly AsymmetricAlgorithm _signingKey;
    private readonly TimeProvider _time;

    // The CA key object is not documented as thread-safe; signatures are cheap next to key generation.
    private readonly Lock _signing = new();

    private CertificateAuthority(X509Certificate2 certificate, AsymmetricAlgorithm signingKey, TimeProvider time)
    {
        Certificate = certificate;
        _signingKey = signingKey;
        _time = time;
    }

    /// <summary>The CA certificate, with its private key attached.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>A new self-signed CA: CA=true and keyCertSign|cRLSign, both critical, with a SubjectKeyIdentifier.</summary>
    public static CertificateAuthority Create(
        string name = DefaultName,
        int days = DefaultDays,
        bool rsa = false,
        TimeProvider? time = null) =>
        Create(CertificateProfile.ForAuthority(name, days, rsa), time);

    /// <summary>A new self-signed CA from any profile, e.g. one that has already expired.</summary>
    public static CertificateAuthority Create(CertificateProfile profile, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (!profile.IsCertificateAuthority)
        {
            throw new ArgumentException("a CA profile must have IsCertificateAuthority = true", nameof(profile));
        }

        time ??= TimeProvider.System;
        var key = NewKey(profile.KeyAlgorithm);
        try
        {
            var certificate = Sign(profile, key, issuer: null, issuerKey: key, time.GetUtcNow());
            return new CertificateAuthority(certificate, key, time);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads <c>ca.crt</c> and <c>ca.key</c> from <paramref name="directory"/>. The key may be
    /// PKCS#8 ("PRIVATE KEY") or the traditional "EC PRIVATE KEY" / "RSA PRIVATE KEY" that openssl
    /// writes; it must belong to the certificate, and the certificate must be a CA.
    /// </summary>
    public static CertificateAuthority Load(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var certificatePath = Path.Combine(directory, CertificateFileName);
        var keyPath = Path.Combine(directory, KeyFileName);
        if (!Directory.Exists(directory))
        {
            throw new PkiException($"CA directory '{directory}' does not exist (create one with 'tracktrace ca init --out {directory}')");
        }

        var certificate = PemFiles.ReadCertificateWithKey(certificatePath, keyPath);
        try
        {
            var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { CertificateAuthority: true })
            {
                throw new PkiException($"'{certificatePath}' is not a CA certificate (BasicConstraints CA=true is missing)");
            }

            AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
                ?? certificate.GetRSAPrivateKey()
                ?? throw new PkiException($"'{keyPath}' holds neither an ECDSA nor an RSA key");
            return new CertificateAuthority(certificate, key, time ?? TimeProvider.System);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <c>ca.key</c> (mode 600) then <c>ca.crt</c> into <paramref name="directory"/>,
    /// creating it if needed. Refuses, before writing anything, to replace an existing
    /// <c>ca.key</c> unless <paramref name="overwrite"/>: losing a CA key orphans every
    /// certificate it signed.
    /// </summary>
    public WrittenFiles Save(string directory, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var keyPath = Path.GetFullPath(Path.Combine(directory, KeyFileName));
        var certificatePath = Path.GetFullPath(Path.Combine(directory, CertificateFileName));
        if (!overwrite && File.Exists(keyPath))
        {
            throw new PkiException($"'{keyPath}' already exists; refusing to overwrite a CA key (use --force to replace it)");
        }

        PemFiles.WritePrivateKey(keyPath, _signingKey, overwrite);
        PemFiles.WriteCertificate(certificatePath, Certificate);
        return new WrittenFiles(certificatePath, keyPath, Fingerprint.Sha256Hex(Certificate));
    }

    /// <summary>
    /// A device's client certificate: CN = <paramref name="deviceId"/>, EKU clientAuth only,
    /// CA=false, signed by this CA. The returned certificate carries its new private key.
    /// </summary>
    public X509Certificate2 IssueClientCertificate(string deviceId, int days = CertificateProfile.DefaultLeafDays, bool rsa = false) =>
        Issue(CertificateProfile.ForDevice(deviceId, days, rsa));

    /// <summary>
    /// A TLS server certificate: EKU serverAuth only, SANs from <paramref name="dnsNames"/> and
    /// <paramref name="ipAddresses"/> (at least one in all), CN = first DNS name.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(
        IEnumerable<string> dnsNames,
        IEnumerable<IPAddress> ipAddresses,
        int days = CertificateProfile.DefaultLeafDays,
        bool rsa = false) =>
        Issue(CertificateProfile.ForServer(dnsNames, ipAddresses, days, rsa));

    /// <summary>
    /// Any certificate signed by this CA, as the profile says (validity, EKU, CA flag, SANs), with
    /// a new key pair and an AuthorityKeyIdentifier pointing at this CA.
    /// </summary>
    public X509Certificate2 Issue(CertificateProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var key = NewKey(profile.KeyAlgorithm);
        X509Certificate2 signed;
        lock (_signing)
        {
            signed = Sign(profile, key, Certificate, _signingKey, _time.GetUtcNow());
        }

        using (signed)
        {
            return AttachKey(signed, key);
        }
    }

    /// <summary>
    /// A certificate signed by its own new key rather than by any CA, e.g. a client certificate
    /// that no trusted root vouches for.
    /// </summary>
    public static X509Certificate2 CreateSelfSigned(CertificateProfile profile, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var key = NewKey(profile.KeyAlgorithm);
        using var signed = Sign(profile, key, issuer: null, issuerKey: key, (time ?? TimeProvider.System).GetUtcNow());
        return AttachKey(signed, key);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _signingKey.Dispose();
    }

    private static AsymmetricAlgorithm NewKey(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyAlgorithm.Rsa3072 => RSA.Create(3072),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };

    private static X509Certificate2 AttachKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        _ => throw new ArgumentException($"unsupported key type {key.GetType().Name}", nameof(key)),
    };

    /// <summary>Builds and signs the certificate; <paramref name="issuer"/> null means self-signed.</summary>
    private static X509Certificate2 Sign(
        CertificateProfile profile,
        AsymmetricAlgorithm subjectKey,
        X509Certificate2? issuer,
        AsymmetricAlgorithm issuerKey,
        DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(profile.CommonName))
        {
            throw new ArgumentException("the certificate's common name must not be empty", nameof(profile));
        }

        var (notBefore, notAfter) = profile.ValidityAt(now);
        var subjectName = new X500DistinguishedNameBuilder();
        subjectName.AddCommonName(profile.CommonName);
        var subject = subjectName.Build();

        var request = subjectKey switch
        {
            ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"unsupported key type {subjectKey.GetType().Name}", nameof(subjectKey)),
        };

        request.CertificateExtensions.Add(
            new X509BasicConstraintsExtension(profile.IsCertificateAuthority, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(profile.EffectiveKeyUsage, critical: true));
        if (profile.ExtendedKeyUsages.Count > 0)
        {
            var usages = new OidCollection();
            foreach (var oid in profile.ExtendedKeyUsages)
            {
                usages.Add(new Oid(oid));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        }

        if (profile.DnsNames.Count > 0 || profile.IpAddresses.Count > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var dns in profile.DnsNames)
            {
                names.AddDnsName(dns);
            }

            foreach (var ip in profile.IpAddresses)
            {
                names.AddIpAddress(ip);
            }

            request.CertificateExtensions.Add(names.Build(critical: false));
        }

        var subjectKeyIdentifier = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyIdentifier);
        request.CertificateExtensions.Add(AuthorityKeyIdentifier(issuer, subjectKeyIdentifier));

        var generator = issuerKey switch
        {
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"unsupported issuer key type {issuerKey.GetType().Name}", nameof(issuerKey)),
        };

        // The generator overload, unlike Create(issuerCertificate, ...), lets a test issue a
        // certificate that outlives its CA: the service must cope with what others may issue.
        return request.Create(issuer?.SubjectName ?? subject, generator, notBefore, notAfter, NewSerialNumber());
    }

    private static X509AuthorityKeyIdentifierExtension AuthorityKeyIdentifier(
        X509Certificate2? issuer,
        X509SubjectKeyIdentifierExtension ownKeyIdentifier)
    {
        if (issuer is null)
        {
            return X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ownKeyIdentifier);
        }

        // A CA made elsewhere may lack a SubjectKeyIdentifier; derive it from its key the same way (SHA-1, RFC 5280).
        var issuerKeyIdentifier = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()
            ?? new X509SubjectKeyIdentifierExtension(issuer.PublicKey, critical: false);
        return X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerKeyIdentifier);
    }

    /// <summary>16 random bytes, top bit clear so the DER INTEGER is positive, next bit set so it stays 16 bytes long.</summary>
    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }
}

/// <summary>What a command wrote: full paths and the certificate's SHA-256 fingerprint.</summary>
public sealed record WrittenFiles(string CertificatePath, string KeyPath, string Sha256Fingerprint);
