using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace TrackTrace.Pki;

/// <summary>An EST answer: the certificate issued, and the other certificates it came with (a PEM chain's issuing CA).</summary>
public sealed record EstIssued(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Chain);

/// <summary>The EST server refused: its status, and the problem+json type and detail it gave.</summary>
public sealed class EstRefusedException(int status, string? problemType, string detail)
    : PkiException($"the EST server answered {status}{(problemType is null ? "" : $" {problemType}")}: {detail}")
{
    public int Status { get; } = status;
    public string? ProblemType { get; } = problemType;
    public string Detail { get; } = detail;
}

/// <summary>
/// The device side of EST (RFC 7030) against TrackTrace: <c>cacerts</c>, <c>simpleenroll</c> with a
/// one-time token and <c>simplereenroll</c> with the current certificate. The <see cref="HttpClient"/>
/// comes from <see cref="TrustedChannel"/>, so the server is verified against the operator's root;
/// what comes back is checked with <see cref="VerifyIssued"/> before anyone uses it.
/// </summary>
public sealed class EstClient(HttpClient http)
{
    public const string CaCertsPath = "/.well-known/est/cacerts";
    public const string SimpleEnrollPath = "/.well-known/est/simpleenroll";
    public const string SimpleReenrollPath = "/.well-known/est/simplereenroll";

    /// <summary>The issuing CA and its root, as the enrollment port serves them. Not trusted for that: see <see cref="VerifyIssued"/>.</summary>
    public async Task<X509Certificate2Collection> CaCertificatesAsync(CancellationToken ct = default)
    {
        using var response = await http.GetAsync(CaCertsPath, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        EnsureSuccess(response, body);
        return Pkcs7CertsOnly.Decode(body);
    }

    /// <summary>Enrolls <paramref name="deviceId"/> with its token and a DER PKCS#10 request for the key it made.</summary>
    public Task<EstIssued> SimpleEnrollAsync(string deviceId, string token, byte[] request, bool pemChain = false, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentException.ThrowIfNullOrEmpty(token);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{deviceId}:{token}"));
        return PostAsync(SimpleEnrollPath, request, pemChain, new AuthenticationHeaderValue("Basic", credentials), ct);
    }

    /// <summary>Renews: a request for a new key, sent over the mutual-TLS channel this client presents the current certificate on.</summary>
    public Task<EstIssued> SimpleReenrollAsync(byte[] request, bool pemChain = true, CancellationToken ct = default) =>
        PostAsync(SimpleReenrollPath, request, pemChain, null, ct);

    /// <summary>
    /// The issued certificate must chain to <paramref name="root"/> through <paramref name="intermediates"/>
    /// only (no system roots, nothing downloaded), name <paramref name="deviceId"/>, be valid now, not
    /// be a CA and carry clientAuth: otherwise the device would install something the service, or its
    /// operator, never vouched for.
    /// </summary>
    /// <returns>The intermediates the chain went through (issuing CA first), without the root: what a device sends after its certificate.</returns>
    /// <exception cref="PkiException">naming what is wrong.</exception>
    public static IReadOnlyList<X509Certificate2> VerifyIssued(
        X509Certificate2 issued, string deviceId, X509Certificate2 root, IEnumerable<X509Certificate2> intermediates, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(issued);
        ArgumentNullException.ThrowIfNull(root);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(issued))
        {
            throw new PkiException($"the certificate issued ({issued.Subject}, by {issued.Issuer}) does not chain to the root " +
                                   $"'{root.Subject}' ({string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct())}); it was not installed");
        }

        var name = issued.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (name != deviceId)
        {
            throw new PkiException($"the certificate issued names '{name}', not device '{deviceId}'; it was not installed");
        }

        if (issued.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority) ||
            !issued.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == KeyPurposes.ClientAuth)))
        {
            throw new PkiException("the certificate issued is not a client (clientAuth, not a CA) certificate; it was not installed");
        }

        return [.. chain.ChainElements.Skip(1).SkipLast(1).Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.RawData))];
    }

    private async Task<EstIssued> PostAsync(string path, byte[] request, bool pemChain, AuthenticationHeaderValue? authorization, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            // EST sends the DER base64-encoded (RFC 7030 4.2.1).
            Content = new StringContent(Convert.ToBase64String(request, Base64FormattingOptions.InsertLineBreaks), Encoding.ASCII),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(EstMediaTypes.Pkcs10);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(pemChain ? EstMediaTypes.PemCertificateChain : EstMediaTypes.Pkcs7Mime));
        message.Headers.Authorization = authorization;
        using var response = await http.SendAsync(message, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        EnsureSuccess(response, body);
        if (response.Content.Headers.ContentType?.MediaType == EstMediaTypes.PemCertificateChain)
        {
            var chain = PemCertificateChain.Read(Encoding.ASCII.GetString(body));
            return new EstIssued(chain[0], [.. chain.Skip(1)]);
        }

        var certificates = Pkcs7CertsOnly.Decode(body);
        var leaf = certificates.FirstOrDefault(c => !c.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            ?? throw new PkiException("the EST answer holds no end-entity certificate");
        return new EstIssued(leaf, [.. certificates.Where(c => c != leaf)]);
    }

    private static void EnsureSuccess(HttpResponseMessage response, byte[] body)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? type = null;
        var detail = Encoding.UTF8.GetString(body);
        try
        {
            using var problem = JsonDocument.Parse(body);
            type = problem.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? detail : detail;
        }
        catch (JsonException)
        {
        }

        throw new EstRefusedException((int)response.StatusCode, type, detail);
    }
}
