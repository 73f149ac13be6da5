using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Pki;

namespace TrackTrace.Api.Devices.Est;

/// <summary>
/// Signs device certificates for EST with the issuing CA of <c>Api:IssuingCertificate</c>: CN = the
/// device id, clientAuth only, not a CA, <c>Devices:CertificateLifetime</c>; only the request's key
/// is used. Also the chain devices verify an answer with (issuing CA, then its root).
/// </summary>
public sealed class DeviceCertificateIssuer
{
    private readonly CertificateAuthority? _authority;
    private readonly TimeSpan _lifetime;

    public DeviceCertificateIssuer(ClientCertificateTrust trust, IOptions<DeviceOptions> options)
    {
        _authority = trust.Issuer;
        _lifetime = options.Value.CertificateLifetime;
        if (_authority is null)
        {
            Chain = [];
            return;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Roots.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTimeIgnored = true; // checked at start-up already, against the injected clock
        var issuing = X509CertificateLoader.LoadCertificate(_authority.Certificate.RawData);
        chain.Build(issuing);
        var root = chain.ChainElements.Count > 1 ? chain.ChainElements[^1].Certificate : null;
        Chain = root is null ? [issuing] : [issuing, X509CertificateLoader.LoadCertificate(root.RawData)];
    }

    /// <summary>False when no issuing CA is configured: nothing can be enrolled or renewed then.</summary>
    public bool CanIssue => _authority is not null;

    /// <summary>The issuing CA (without its key), then the root it chains to: what <c>/cacerts</c> serves.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    public TimeSpan Lifetime => _lifetime;

    /// <summary>A certificate for the key of <paramref name="request"/>, naming <paramref name="deviceId"/>.</summary>
    public X509Certificate2 Issue(CertificateSigningRequest request, string deviceId) =>
        (_authority ?? throw new InvalidOperationException("no issuing CA is configured")).IssueDeviceCertificate(request, deviceId, _lifetime);
}
