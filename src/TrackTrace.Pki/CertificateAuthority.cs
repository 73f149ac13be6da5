using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

/// <summary>
/// A CA that signs device (client) and server certificates: a root (self-signed, kept in a folder
/// as <c>ca.crt</c> and <c>ca.key</c>) or an issuing CA signed by a root (pathLen 0, kept as
/// <c>issuing.crt</c> and <c>issuing.key</c>), ours or openssl's. Created fresh with
/// <see cref="Create(string, int, bool, TimeProvider?)"/> and <see cref="CreateIssuingAuthority(CertificateProfile)"/>,
/// or loaded with <see cref="Load(string, TimeProvider?)"/>, <see cref="LoadIssuer"/> or
/// <see cref="LoadFiles"/>. Issuing is safe from several threads.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>The root's certificate in its folder; clients verify the server against it.</summary>
    public const string CertificateFileName = "ca.crt";

    /// <summary>The root's key (mode 600); only <c>ca intermediate</c> and development commands need it.</summary>
    public const string KeyFileName = "ca.key";

    /// <summary>The issuing CA's certificate in its folder.</summary>
    public const string IssuingCertificateFileName = "issuing.crt";

    /// <summary>The issuing CA's key (mode 600); the service signs device certificates with it.</summary>
    public const string IssuingKeyFileName = "issuing.key";

    public const string DefaultName = "TrackTrace Dev CA";
    public const int DefaultDays = 3650;
    public const string DefaultIssuingName = "TrackTrace Issuing CA";
    public const int DefaultIssuingDays = 1825;

    /// <summary>How long a device certificate issued for a CSR lives unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultDeviceLifetime = TimeSpan.FromDays(30);

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

    /// <summary>Self-issued (subject = issuer): a root, saved as ca.crt/ca.key; otherwise an issuing CA, saved as issuing.crt/issuing.key.</summary>
    public bool IsRoot => Certificate.SubjectName.RawData.AsSpan().SequenceEqual(Certificate.IssuerName.RawData);

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
            var certificate = Sign(profile, new PublicKey(key), issuer: null, issuerKey: key, time.GetUtcNow());
            return new CertificateAuthority(certificate, key, time);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new issuing CA signed by this root: CA=true with pathLen 0 and keyCertSign|cRLSign (both
    /// critical), SKI/AKI, and NameConstraints when DNS names are given. It never outlives this root.
    /// </summary>
    public CertificateAuthority CreateIssuingAuthority(
        string name = DefaultIssuingName,
        int days = DefaultIssuingDays,
        bool rsa = false,
        IEnumerable<string>? permittedDnsNames = null) =>
        CreateIssuingAuthority(CertificateProfile.ForIssuingAuthority(name, days, rsa, permittedDnsNames));

    /// <summary>The same from any CA profile; refused when this CA is itself an issuing CA or the profile outlives it.</summary>
    public CertificateAuthority CreateIssuingAuthority(CertificateProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (!profile.IsCertificateAuthority)
        {
            throw new ArgumentException("an issuing CA profile must have IsCertificateAuthority = true", nameof(profile));
        }

        var constraints = Certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is { HasPathLengthConstraint: true, PathLengthConstraint: 0 })
        {
            throw new PkiException($"'{Certificate.Subject}' has pathLen 0: it may sign device and server certificates but no CA; sign the issuing CA with the root");
        }

        var now = _time.GetUtcNow();
        var (_, notAfter) = profile.ValidityAt(now);
        var limit = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime());
        if (notAfter > limit)
        {
            var days = Math.Max(0, (int)Math.Floor((limit - now).TotalDays));
            throw new PkiException(
                $"the issuing CA would outlive its root, which expires at {limit:O}; ask for at most {days} days");
        }

        var key = NewKey(profile.KeyAlgorithm);
        try
        {
            X509Certificate2 signed;
            lock (_signing)
            {
                signed = Sign(profile, new PublicKey(key), Certificate, _signingKey, now);
            }

            using (signed)
            {
                return new CertificateAuthority(AttachKey(signed, key), key, _time);
            }
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
        EnsureDirectory(directory);
        return LoadFiles(Path.Combine(directory, CertificateFileName), Path.Combine(directory, KeyFileName), time);
    }

    /// <summary>Loads <c>issuing.crt</c> and <c>issuing.key</c> from <paramref name="directory"/> (see <see cref="Load(string, TimeProvider?)"/>).</summary>
    public static CertificateAuthority LoadIssuing(string directory, TimeProvider? time = null)
    {
        EnsureDirectory(directory);
        return LoadFiles(Path.Combine(directory, IssuingCertificateFileName), Path.Combine(directory, IssuingKeyFileName), time);
    }

    /// <summary>
    /// The CA that signs what a command asks for in <paramref name="directory"/>: the issuing CA
    /// (<c>issuing.crt</c>, <c>issuing.key</c>) when <c>issuing.key</c> is there, else the root
    /// (<c>ca.crt</c>, <c>ca.key</c>). A folder holding both signs with the issuing CA: the root
    /// key is meant to stay offline.
    /// </summary>
    public static CertificateAuthority LoadIssuer(string directory, TimeProvider? time = null)
    {
        EnsureDirectory(directory);
        return File.Exists(Path.Combine(directory, IssuingKeyFileName)) ? LoadIssuing(directory, time) : Load(directory, time);
    }

    /// <summary>
    /// Loads a CA from its certificate and key files, wherever they are (the service's
    /// <c>Api:IssuingCertificate</c> and <c>Api:IssuingKey</c>). The key must belong to the
    /// certificate, and the certificate must be a CA allowed to sign certificates.
    /// </summary>
    public static CertificateAuthority LoadFiles(string certificatePath, string keyPath, TimeProvider? time = null)
    {
        var certificate = PemFiles.ReadCertificateWithKey(certificatePath, keyPath);
        try
        {
            var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { CertificateAuthority: true })
            {
                throw new PkiException($"'{certificatePath}' is not a CA certificate (BasicConstraints CA=true is missing)");
            }

            var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            if (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
            {
                throw new PkiException($"'{certificatePath}' is a CA certificate whose KeyUsage lacks keyCertSign: it cannot sign certificates");
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
    /// Writes the key (mode 600) then the certificate into <paramref name="directory"/>, creating
    /// it if needed: <c>ca.key</c> and <c>ca.crt</c> for a root, <c>issuing.key</c> and
    /// <c>issuing.crt</c> for an issuing CA. Refuses, before writing anything, to replace an
    /// existing key unless <paramref name="overwrite"/>: losing a CA key orphans every
    /// certificate it signed.
    /// </summary>
    public WrittenFiles Save(string directory, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var keyPath = Path.GetFullPath(Path.Combine(directory, IsRoot ? KeyFileName : IssuingKeyFileName));
        var certificatePath = Path.GetFullPath(Path.Combine(directory, IsRoot ? CertificateFileName : IssuingCertificateFileName));
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
    /// A device certificate for a key the device made and keeps: the public key comes from the
    /// verified <paramref name="request"/>, everything else from here. CN = <paramref name="deviceId"/>
    /// (the caller has checked it against the device id rule), EKU clientAuth only, KeyUsage
    /// digitalSignature (and keyEncipherment for RSA), CA=false, SKI/AKI, a random serial, valid
    /// from 5 minutes ago for <paramref name="lifetime"/> (default <see cref="DefaultDeviceLifetime"/>)
    /// but never beyond this CA. The request's subject and extensions are ignored. The returned
    /// certificate has no private key.
    /// </summary>
    public X509Certificate2 IssueDeviceCertificate(CertificateSigningRequest request, string deviceId, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var span = lifetime ?? DefaultDeviceLifetime;
        if (span <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), span, "a certificate lifetime must be positive");
        }

        var now = _time.GetUtcNow();
        var caNotBefore = new DateTimeOffset(Certificate.NotBefore.ToUniversalTime());
        var caNotAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime());
        if (now >= caNotAfter)
        {
            throw new PkiException($"the CA '{Certificate.Subject}' expired at {caNotAfter:O}; it can issue nothing more");
        }

        var notBefore = now - CertificateProfile.ClockSkewAllowance;
        var profile = CertificateProfile.ForDevice(deviceId) with
        {
            NotBefore = notBefore < caNotBefore ? caNotBefore : notBefore,
            NotAfter = now + span > caNotAfter ? caNotAfter : now + span,
        };
        lock (_signing)
        {
            return Sign(profile, request.PublicKey, Certificate, _signingKey, now);
        }
    }

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
            signed = Sign(profile, new PublicKey(key), Certificate, _signingKey, _time.GetUtcNow());
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
        using var signed = Sign(profile, new PublicKey(key), issuer: null, issuerKey: key, (time ?? TimeProvider.System).GetUtcNow());
        return AttachKey(signed, key);
    }

    private static void EnsureDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new PkiException($"CA directory '{directory}' does not exist (create one with 'tracktrace ca init --out {directory}')");
        }
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
        PublicKey subjectKey,
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

        // The request only carries the subject key; the signature comes from the generator below.
        var request = new CertificateRequest(subject, subjectKey, HashAlgorithmName.SHA256);
        var rsaSubject = subjectKey.Oid.Value == Oids.Rsa;

        var pathLength = profile.IsCertificateAuthority ? profile.PathLengthConstraint : null;
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(
            profile.IsCertificateAuthority, hasPathLengthConstraint: pathLength is not null, pathLengthConstraint: pathLength ?? 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(profile.EffectiveKeyUsage(rsaSubject), critical: true));
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

        if (profile.PermittedDnsNames.Count > 0)
        {
            request.CertificateExtensions.Add(NameConstraints.PermittingDns(profile.PermittedDnsNames));
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
