using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TrackTrace.Pki;

/// <summary>
/// A chain as concatenated PEM "CERTIFICATE" blocks, leaf first (RFC 8555 9.1's
/// <c>application/pem-certificate-chain</c>; what curl's <c>--cert</c> and nginx read).
/// </summary>
public static class PemCertificateChain
{
    /// <summary>The certificates in the order given, each as one PEM block.</summary>
    public static string Write(IEnumerable<X509Certificate2> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var text = new StringBuilder();
        foreach (var certificate in certificates)
        {
            text.Append(certificate.ExportCertificatePem()).Append('\n');
        }

        return text.Length > 0
            ? text.ToString()
            : throw new ArgumentException("a chain needs at least one certificate", nameof(certificates));
    }

    /// <summary>Every "CERTIFICATE" block in <paramref name="pem"/>, in order; other blocks are skipped.</summary>
    /// <exception cref="PkiException">when there is none or one cannot be read.</exception>
    public static X509Certificate2Collection Read(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new PkiException($"the PEM chain holds a certificate that cannot be read: {e.Message}", e);
        }

        return collection.Count > 0 ? collection : throw new PkiException("the PEM text holds no CERTIFICATE block");
    }
}
