using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Pki;

namespace TrackTrace.UnitTests.Cli;

/// <summary>Reads certificate facts the way a person checking them would.</summary>
internal static class Certificates
{
    public static T Single<T>(X509Certificate2 certificate)
        where T : X509Extension =>
        Assert.Single(certificate.Extensions.OfType<T>());

    public static string[] ExtendedKeyUsages(X509Certificate2 certificate) =>
        [.. Single<X509EnhancedKeyUsageExtension>(certificate).EnhancedKeyUsages.Cast<Oid>().Select(oid => oid.Value!)];

    public static string CommonName(X509Certificate2 certificate) =>
        certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    /// <summary>
    /// Validates <paramref name="leaf"/> the way the service does: only <paramref name="root"/> is
    /// trusted, <paramref name="intermediates"/> may complete the chain, no revocation, no
    /// downloads, and the chain must allow clientAuth.
    /// </summary>
    public static X509ChainStatusFlags ValidateAsClient(
        X509Certificate2 leaf, X509Certificate2 root, DateTime? at = null, params X509Certificate2[] intermediates)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(KeyPurposes.ClientAuth));
        if (at is not null)
        {
            chain.ChainPolicy.VerificationTime = at.Value;
        }

        var valid = chain.Build(leaf);
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, status) => all | status.Status);
        Assert.Equal(valid, flags == X509ChainStatusFlags.NoError);
        return flags;
    }

    public static string OpenSslFingerprint(string output) =>
        output.Trim().Split('=', 2)[1].Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
}
