using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Decisions;
using TrackTrace.Pki;
using MediaType = Microsoft.Net.Http.Headers.MediaTypeHeaderValue;

namespace TrackTrace.Api.Devices.Est;

/// <summary>
/// What EST (RFC 7030, with RFC 8951's leniency) looks like on the wire here: a base64 DER PKCS#10
/// body in, a certs-only PKCS#7 (base64) or, when asked for, a PEM chain out, Basic credentials for
/// enrollment, and every refusal as problem+json.
/// </summary>
public static class EstWire
{
    public const string Realm = "tracktrace-est";

    /// <summary>The body of an EST POST, read up to <see cref="CertificateSigningRequest.MaxEncodedLength"/>; null when it is longer.</summary>
    public static Task<byte[]?> ReadBodyAsync(HttpRequest http, CancellationToken ct) =>
        ReadLimitedAsync(http.Body, CertificateSigningRequest.MaxEncodedLength, ct);

    /// <summary>The request in a body <see cref="ReadBodyAsync"/> read: checked structure, key and signature, or why not.</summary>
    public static (CertificateSigningRequest? Request, Refusal? Refusal) Decode(byte[]? body)
    {
        if (body is null)
        {
            return (null, new Refusal(RefusalKind.Invalid, "csr-too-large", "Certificate request too large",
                $"The body is longer than {CertificateSigningRequest.MaxEncodedLength} bytes; a PKCS#10 request is a few kilobytes.",
                Csr("at most " + CertificateSigningRequest.MaxEncodedLength + " bytes")));
        }

        try
        {
            return (CertificateSigningRequest.Decode(body), null);
        }
        catch (CertificateRequestRefusedException e)
        {
            return (null, Refused(e));
        }
    }

    /// <summary>Each reason a request is refused for has its own problem type.</summary>
    public static Refusal Refused(CertificateRequestRefusedException e) => e.Reason switch
    {
        CertificateRequestRefusal.Unreadable => new(RefusalKind.Invalid, "csr-unreadable", "Certificate request unreadable",
            $"{e.Message}. Send the DER PKCS#10 request base64-encoded (openssl req -outform DER | openssl base64) with Content-Type: {EstMediaTypes.Pkcs10}.",
            Csr(e.Message)),
        CertificateRequestRefusal.TooLarge => new(RefusalKind.Invalid, "csr-too-large", "Certificate request too large", e.Message, Csr(e.Message)),
        CertificateRequestRefusal.SignatureAlgorithmNotAccepted => new(RefusalKind.Invalid, "csr-signature-algorithm-not-accepted",
            "Signature algorithm not accepted", e.Message, Csr(e.Message)),
        CertificateRequestRefusal.SignatureInvalid => new(RefusalKind.Invalid, "csr-signature-invalid", "Certificate request signature invalid",
            e.Message, Csr(e.Message)),
        CertificateRequestRefusal.KeyNotAccepted => new(RefusalKind.Invalid, "key-not-accepted", "Key not accepted", e.Message, Csr(e.Message)),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.Reason, "a refusal reason without a problem type"),
    };

    /// <summary>The device id and token of <c>Authorization: Basic base64(deviceId:token)</c>; null when there is none or it cannot be read.</summary>
    public static (string DeviceId, string Token)? Credentials(HttpRequest http)
    {
        if (!AuthenticationHeaderValue.TryParse(http.Headers.Authorization.ToString(), out var header) ||
            !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':');
        return colon <= 0 || colon == decoded.Length - 1 ? null : (decoded[..colon], decoded[(colon + 1)..]);
    }

    /// <summary>A 401 that says how to authenticate (a Basic challenge in our realm).</summary>
    public static IResult Unauthenticated(HttpContext http, Refusal refusal)
    {
        http.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\"";
        return Problems.From(refusal);
    }

    /// <summary>
    /// The issued certificate: as a certs-only PKCS#7 in base64 (EST's answer), or, for a client whose
    /// Accept asks for <c>application/pem-certificate-chain</c>, PEM with the issuing CA after it.
    /// </summary>
    public static IResult Certificate(HttpContext http, X509Certificate2 issued, IReadOnlyList<X509Certificate2> chain) =>
        WantsPem(http.Request)
            ? TypedResults.Bytes(Encoding.ASCII.GetBytes(PemCertificateChain.Write([issued, .. chain.Take(1)])), EstMediaTypes.PemCertificateChain)
            : CertsOnly(http, [issued]);

    /// <summary>Certificates as EST sends them: base64 of a certs-only PKCS#7, RFC 7030's Content-Transfer-Encoding said out loud.</summary>
    public static FileContentHttpResult CertsOnly(HttpContext http, IEnumerable<X509Certificate2> certificates)
    {
        http.Response.Headers["Content-Transfer-Encoding"] = "base64";
        return TypedResults.Bytes(Encoding.ASCII.GetBytes(Pkcs7CertsOnly.EncodeBase64(certificates)), EstMediaTypes.Pkcs7CertsOnly);
    }

    private static bool WantsPem(HttpRequest http)
    {
        if (!MediaType.TryParseList(http.Headers.Accept, out var accepted))
        {
            return false;
        }

        var pem = accepted.Where(a => a.MediaType.Equals(EstMediaTypes.PemCertificateChain, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        var pkcs7 = accepted.Where(a => a.MediaType.Equals(EstMediaTypes.Pkcs7Mime, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        return pem > 0 && pem >= pkcs7;
    }

    private static Dictionary<string, string[]> Csr(string problem) => new() { ["csr"] = [problem] };

    private static async Task<byte[]?> ReadLimitedAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
