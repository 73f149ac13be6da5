using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Decisions;

namespace TrackTrace.Api.Devices;

/// <summary>A certificate an admin sends to bind: PEM that parses, and one the TLS handshake would accept.</summary>
public static class CertificatePem
{
    public static (X509Certificate2? Certificate, Refusal? Refusal) Read(string? pem, ClientCertificateValidator validator)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return (null, Refusal.Invalid("certificate", "required: the device's X.509 certificate in PEM (-----BEGIN CERTIFICATE-----)"));
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(pem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return (null, Refusal.Invalid("certificate", $"not a PEM X.509 certificate ({ex.Message})"));
        }

        return validator.FindProblem(certificate) is { } problem
            ? (null, new Refusal(RefusalKind.Unprocessable, "certificate-not-acceptable",
                "The certificate cannot authenticate a device", $"certificate: {problem}."))
            : (certificate, null);
    }
}
