using System.Security.Cryptography.X509Certificates;
using TrackTrace.Api.Hosting;
using TrackTrace.Pki;

namespace TrackTrace.Api.Security;

/// <summary>
/// What a client certificate may chain through and to, read once at start-up: the roots
/// (<c>Api:ClientCertificateAuthorities</c>), the issuing CA this service signs device
/// certificates with (<c>Api:IssuingCertificate</c> and <c>Api:IssuingKey</c>) and further issuing
/// CAs whose certificates are still accepted (<c>Api:ClientCertificateIntermediates</c>). Only
/// these intermediates complete a chain; what a client sends beyond its own certificate is not
/// used, so taking an issuing CA out of the configuration cuts off everything it signed. A
/// configuration that could not work, or would leak the issuing key, stops the service with a
/// message naming the key.
/// </summary>
public sealed class ClientCertificateTrust : IDisposable
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private ClientCertificateTrust(X509Certificate2[] roots, X509Certificate2[] intermediates, CertificateAuthority? issuer)
    {
        Roots = roots;
        Intermediates = intermediates;
        Issuer = issuer;
    }

    /// <summary>The trust anchors; a chain must end at one of them.</summary>
    public IReadOnlyList<X509Certificate2> Roots { get; }

    /// <summary>The issuing CAs a chain may pass through (the service's own first), without keys.</summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    /// <summary>The issuing CA with its key, which signs device certificates; null when none is configured.</summary>
    public CertificateAuthority? Issuer { get; }

    public static ClientCertificateTrust Load(ApiOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        var roots = LoadRoots(options.ClientCertificateAuthorities);
        var intermediates = new List<X509Certificate2>();
        CertificateAuthority? issuer = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(options.IssuingCertificate) || !string.IsNullOrWhiteSpace(options.IssuingKey))
            {
                issuer = LoadIssuer(options.IssuingCertificate, options.IssuingKey, roots, clock);
                intermediates.Add(X509CertificateLoader.LoadCertificate(issuer.Certificate.RawData));
            }

            for (var i = 0; i < options.ClientCertificateIntermediates.Count; i++)
            {
                var key = $"Api:ClientCertificateIntermediates:{i}";
                var path = options.ClientCertificateIntermediates[i];
                var certificate = Read(key, () => PemFiles.ReadCertificate(path));
                intermediates.Add(certificate);
                EnsureIssuingCa(key, path, certificate, roots, clock);
            }

            return new ClientCertificateTrust(roots, [.. intermediates], issuer);
        }
        catch
        {
            issuer?.Dispose();
            intermediates.ForEach(c => c.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        Issuer?.Dispose();
        foreach (var certificate in Intermediates.Concat(Roots))
        {
            certificate.Dispose();
        }
    }

    private static CertificateAuthority LoadIssuer(string? certificatePath, string? keyPath, X509Certificate2[] roots, TimeProvider clock)
    {
        if (string.IsNullOrWhiteSpace(certificatePath) || string.IsNullOrWhiteSpace(keyPath))
        {
            throw new InvalidOperationException(
                "Api:IssuingCertificate and Api:IssuingKey go together (the issuing CA's certificate and its key, " +
                "issuing.crt and issuing.key from 'tracktrace ca intermediate'); only one of them is set");
        }

        EnsureOwnerOnly(keyPath);
        var issuer = Read("Api:IssuingCertificate/Api:IssuingKey", () => CertificateAuthority.LoadFiles(certificatePath, keyPath, clock));
        try
        {
            EnsureIssuingCa("Api:IssuingCertificate", certificatePath, issuer.Certificate, roots, clock);
            return issuer;
        }
        catch
        {
            issuer.Dispose();
            throw;
        }
    }

    /// <summary>A key anyone else on the machine can read is no longer only the service's.</summary>
    private static void EnsureOwnerOnly(string keyPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(keyPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidOperationException($"Api:IssuingKey '{keyPath}' does not exist", e);
        }

        if ((mode & GroupOrOthers) != 0)
        {
            throw new InvalidOperationException(
                $"Api:IssuingKey '{keyPath}' has mode {Convert.ToString((int)mode, 8)}: group or others may use it. " +
                $"It must be 600 or stricter (chmod 600 '{keyPath}')");
        }
    }

    private static void EnsureIssuingCa(string key, string path, X509Certificate2 certificate, X509Certificate2[] roots, TimeProvider clock)
    {
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
        {
            throw new InvalidOperationException(
                $"{key} '{path}' ({certificate.Subject}) is not a CA certificate (BasicConstraints CA=true is missing); " +
                "make an issuing CA with 'tracktrace ca intermediate'");
        }

        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
        {
            throw new InvalidOperationException($"{key} '{path}' ({certificate.Subject}) may not sign certificates (KeyUsage lacks keyCertSign)");
        }

        if (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
        {
            throw new InvalidOperationException(
                $"{key} '{path}' ({certificate.Subject}) is a self-signed root: the root's key stays offline; " +
                "configure an issuing CA made with 'tracktrace ca intermediate' and list the root in Api:ClientCertificateAuthorities");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = clock.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(certificate))
        {
            var statuses = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            throw new InvalidOperationException(
                $"{key} '{path}' ({certificate.Subject}, issued by {certificate.Issuer}) does not chain to a root in " +
                $"Api:ClientCertificateAuthorities ({statuses}); devices it signs would be refused in the handshake");
        }
    }

    private static X509Certificate2[] LoadRoots(IEnumerable<string> pemFiles)
    {
        var anchors = new X509Certificate2Collection();
        foreach (var file in pemFiles)
        {
            anchors.ImportFromPemFile(file);
        }

        if (anchors.Count == 0)
        {
            throw new InvalidOperationException(
                "Api:ClientCertificateAuthorities names no CA certificate: no client could ever be accepted");
        }

        return anchors.ToArray();
    }

    private static T Read<T>(string key, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (PkiException e)
        {
            throw new InvalidOperationException($"{key}: {e.Message}", e);
        }
    }
}
