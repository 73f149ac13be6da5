using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

/// <summary>
/// HTTP clients for the TrackTrace API over mutual TLS. Both sides verify: the client presents its
/// device certificate, and the server's certificate must chain to the operator's CA (not the
/// system roots) and match the host name. There is no switch to turn verification off.
/// </summary>
public static class TrustedChannel
{
    /// <summary>
    /// A handler that verifies the server against <paramref name="trustedCa"/> only and presents
    /// <paramref name="clientCertificate"/> (with its key), followed by
    /// <paramref name="clientIntermediates"/> when given (e.g. the issuing CA that signed it);
    /// without them only the leaf is sent.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(
        X509Certificate2 trustedCa,
        X509Certificate2? clientCertificate,
        bool newConnectionPerRequest = false,
        IEnumerable<X509Certificate2>? clientIntermediates = null)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(trustedCa);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
            PooledConnectionLifetime = newConnectionPerRequest ? TimeSpan.Zero : TimeSpan.FromMinutes(10),
        };
        if (clientCertificate is not null && clientIntermediates is not null)
        {
            // offline: the chain is what we were given, nothing is fetched to complete it.
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(
                clientCertificate, [.. clientIntermediates], offline: true);
        }
        else if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { clientCertificate };
        }

        return handler;
    }

    public static HttpClient CreateClient(Uri baseAddress, X509Certificate2 trustedCa, X509Certificate2? clientCertificate) =>
        new(CreateHandler(trustedCa, clientCertificate)) { BaseAddress = baseAddress };

    /// <summary>Loads a certificate and its PEM private key (e.g. <c>admin.crt</c>, <c>admin.key</c>).</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath, string keyPath) =>
        X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
}
