using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

/// <summary>
/// Everything that varies between the certificates TrackTrace makes. The factory methods give the
/// profiles the CLI issues; tests derive hostile ones with <c>with</c> (expired, no EKU, serverAuth
/// only, CA=true used as a client, ...).
/// </summary>
public sealed record CertificateProfile
{
    /// <summary>Validity of a leaf certificate: the CA/Browser Forum ceiling, so the habit carries over.</summary>
    public const int DefaultLeafDays = 397;

    /// <summary>ub-common-name (RFC 5280, appendix A.1).</summary>
    public const int MaxCommonNameLength = 64;

    /// <summary>
    /// How far before "now" a certificate becomes valid when <see cref="NotBefore"/> is not given,
    /// so a peer whose clock is a little behind does not reject a fresh certificate.
    /// </summary>
    public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

    /// <summary>Subject CN; the subject has no other attribute.</summary>
    public required string CommonName { get; init; }

    public KeyAlgorithm KeyAlgorithm { get; init; } = KeyAlgorithm.EcdsaP256;

    /// <summary>Validity in days from now; used when <see cref="NotAfter"/> is not given.</summary>
    public int Days { get; init; } = DefaultLeafDays;

    /// <summary>Start of validity; defaults to now minus <see cref="ClockSkewAllowance"/>.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of validity; defaults to now plus <see cref="Days"/>.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>BasicConstraints CA flag (the extension is always present and critical).</summary>
    public bool IsCertificateAuthority { get; init; }

    /// <summary>
    /// BasicConstraints pathLenConstraint of a CA: 0 for an issuing CA (it may sign leaves only),
    /// null for no limit (a root).
    /// </summary>
    public int? PathLengthConstraint { get; init; }

    /// <summary>
    /// DNS name subtrees a CA may issue for (a critical NameConstraints extension with
    /// permittedSubtrees); empty means no NameConstraints extension.
    /// </summary>
    public IReadOnlyList<string> PermittedDnsNames { get; init; } = [];

    /// <summary>
    /// KeyUsage (always critical). Null means: keyCertSign|cRLSign for a CA, digitalSignature for
    /// an ECDSA leaf, digitalSignature|keyEncipherment for an RSA leaf.
    /// </summary>
    public X509KeyUsageFlags? KeyUsage { get; init; }

    /// <summary>Extended key usage OIDs (see <see cref="KeyPurposes"/>); empty means no EKU extension at all.</summary>
    public IReadOnlyList<string> ExtendedKeyUsages { get; init; } = [];

    /// <summary>DNS names for the SubjectAlternativeName extension (omitted when there are none).</summary>
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    /// <summary>IP addresses for the SubjectAlternativeName extension.</summary>
    public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [];

    /// <summary>A self-signed root: CA=true, keyCertSign|cRLSign, no EKU.</summary>
    public static CertificateProfile ForAuthority(string name, int days = CertificateAuthority.DefaultDays, bool rsa = false) =>
        new()
        {
            CommonName = name,
            Days = days,
            KeyAlgorithm = rsa ? KeyAlgorithm.Rsa3072 : KeyAlgorithm.EcdsaP256,
            IsCertificateAuthority = true,
        };

    /// <summary>
    /// An issuing (intermediate) CA: CA=true with pathLen 0, keyCertSign|cRLSign, no EKU, and
    /// NameConstraints when <paramref name="permittedDnsNames"/> names any.
    /// </summary>
    public static CertificateProfile ForIssuingAuthority(
        string name,
        int days = CertificateAuthority.DefaultIssuingDays,
        bool rsa = false,
        IEnumerable<string>? permittedDnsNames = null)
    {
        EnsureCommonName(name, nameof(name));
        string[] permitted = [.. permittedDnsNames ?? []];
        if (permitted.FirstOrDefault(n => !NameConstraints.IsDnsSubtree(n)) is { } bad)
        {
            throw new ArgumentException($"'{bad}' is not a DNS name a name constraint can hold (e.g. devices.example.com)", nameof(permittedDnsNames));
        }

        return new()
        {
            CommonName = name,
            Days = days,
            KeyAlgorithm = rsa ? KeyAlgorithm.Rsa3072 : KeyAlgorithm.EcdsaP256,
            IsCertificateAuthority = true,
            PathLengthConstraint = 0,
            PermittedDnsNames = permitted,
        };
    }

    /// <summary>
    /// A device's client certificate: CN = device id, EKU clientAuth only, CA=false. The device id
    /// rule belongs to the domain: the caller has checked <paramref name="deviceId"/> against it;
    /// here it only has to be a usable common name.
    /// </summary>
    public static CertificateProfile ForDevice(string deviceId, int days = DefaultLeafDays, bool rsa = false)
    {
        EnsureCommonName(deviceId, nameof(deviceId));
        return new()
        {
            CommonName = deviceId,
            Days = days,
            KeyAlgorithm = rsa ? KeyAlgorithm.Rsa3072 : KeyAlgorithm.EcdsaP256,
            ExtendedKeyUsages = [KeyPurposes.ClientAuth],
        };
    }

    /// <summary>
    /// A TLS server certificate: EKU serverAuth only, the given SANs (at least one), CN = first DNS
    /// name, or the first IP address when there is no DNS name.
    /// </summary>
    public static CertificateProfile ForServer(
        IEnumerable<string> dnsNames,
        IEnumerable<IPAddress> ipAddresses,
        int days = DefaultLeafDays,
        bool rsa = false)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(ipAddresses);
        string[] dns = [.. dnsNames];
        IPAddress[] ips = [.. ipAddresses];
        if (dns.Length == 0 && ips.Length == 0)
        {
            throw new ArgumentException("a server certificate needs at least one DNS name or IP address", nameof(dnsNames));
        }

        if (dns.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            throw new ArgumentException("a DNS name must not be empty", nameof(dnsNames));
        }

        return new()
        {
            CommonName = dns.Length > 0 ? dns[0] : ips[0].ToString(),
            Days = days,
            KeyAlgorithm = rsa ? KeyAlgorithm.Rsa3072 : KeyAlgorithm.EcdsaP256,
            ExtendedKeyUsages = [KeyPurposes.ServerAuth],
            DnsNames = dns,
            IpAddresses = ips,
        };
    }

    /// <summary>
    /// Refuses what cannot be a common name: empty, longer than X.520's 64 characters, or holding
    /// control characters (a newline in a CN ends up in logs and file names).
    /// </summary>
    public static void EnsureCommonName(string? commonName, string? paramName = null)
    {
        if (string.IsNullOrWhiteSpace(commonName) || commonName.Length > MaxCommonNameLength || commonName.Any(char.IsControl))
        {
            throw new ArgumentException(
                $"'{commonName}' cannot be a common name: 1 to {MaxCommonNameLength} characters, no control characters", paramName);
        }
    }

    /// <summary>
    /// The KeyUsage a certificate for a key of this kind gets once the null default is resolved:
    /// it follows the key actually certified (generated here or taken from a CSR), not
    /// <see cref="KeyAlgorithm"/>.
    /// </summary>
    public X509KeyUsageFlags EffectiveKeyUsage(bool rsaKey) =>
        KeyUsage ?? (IsCertificateAuthority
            ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign
            : rsaKey
                ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
                : X509KeyUsageFlags.DigitalSignature);

    /// <summary>The validity window once the defaults are resolved against <paramref name="now"/>.</summary>
    public (DateTimeOffset NotBefore, DateTimeOffset NotAfter) ValidityAt(DateTimeOffset now)
    {
        if (NotAfter is null && Days < 1)
        {
            throw new ArgumentException($"validity must be at least one day, not {Days}", nameof(Days));
        }

        var notBefore = NotBefore ?? now - ClockSkewAllowance;
        var notAfter = NotAfter ?? now.AddDays(Days);
        if (notAfter <= notBefore)
        {
            throw new ArgumentException($"NotAfter ({notAfter:O}) must be later than NotBefore ({notBefore:O})");
        }

        return (notBefore, notAfter);
    }
}
