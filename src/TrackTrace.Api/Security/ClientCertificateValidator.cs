using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.Api.Security;

/// <summary>
/// Decides in the TLS handshake whether a client certificate may talk to the API at all: the chain
/// must end at one of the configured CAs, directly or through a configured issuing CA (no system
/// roots, no AIA downloads, no revocation fetches, and no intermediates taken from the client),
/// the certificate must be inside its validity period, must not be a CA, and must carry the
/// clientAuth extended key usage explicitly. Who the device is, and whether it may act now, is
/// decided per request by <see cref="DeviceAuthenticationHandler"/>.
/// </summary>
public sealed class ClientCertificateValidator(
    ClientCertificateTrust trust, TimeProvider clock, ILogger<ClientCertificateValidator> logger)
{
    public bool Validate(X509Certificate2 certificate)
    {
        var problem = FindProblem(certificate);
        if (problem is null)
        {
            return true;
        }

        logger.LogWarning("Refused client certificate {Subject} ({Fingerprint}) in the TLS handshake: {Problem}",
            certificate.Subject, Fingerprints.Sha256(certificate), problem);
        Metrics.HandshakesRefused.Add(1);
        return false;
    }

    public string? FindProblem(X509Certificate2 certificate)
    {
        var now = clock.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime())
        {
            return $"not valid before {certificate.NotBefore.ToUniversalTime():O}";
        }

        if (now > certificate.NotAfter.ToUniversalTime())
        {
            return $"expired at {certificate.NotAfter.ToUniversalTime():O}";
        }

        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            return "a CA certificate cannot be used as a client certificate";
        }

        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null || eku.EnhancedKeyUsages.Cast<Oid>().All(o => o.Value != KeyPurposes.ClientAuth))
        {
            return "the certificate lacks the clientAuth extended key usage";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Roots.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(trust.Intermediates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (chain.Build(certificate))
        {
            return null;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return $"the chain does not end at a trusted TrackTrace CA ({string.Join(", ", statuses)})";
    }
}

public static class Fingerprints
{
    /// <summary>SHA-256 of the certificate's DER, lower-case hex: the key of the device attribute store.</summary>
    public static string Sha256(X509Certificate2 certificate) => Fingerprint.Sha256Hex(certificate);
}
