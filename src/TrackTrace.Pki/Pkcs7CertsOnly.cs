using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TrackTrace.Pki;

/// <summary>
/// A "certs-only" PKCS#7 / CMS message: a SignedData with no content and no signers that carries
/// certificates (RFC 5652 5.1; RFC 7030 4.1.3 and 4.2.3 use it for <c>/cacerts</c> and the
/// enrollment answers, as <c>application/pkcs7-mime; smime-type=certs-only</c>, base64). What
/// <c>openssl crl2pkcs7 -nocrl</c> writes and <c>openssl pkcs7 -print_certs</c> reads.
/// </summary>
public static class Pkcs7CertsOnly
{
    /// <summary>Upper bound of a message this reads; a chain of a few certificates is a few kilobytes.</summary>
    public const int MaxEncodedLength = 256 * 1024;

    private static readonly Asn1Tag ExplicitContent = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Certificates = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Crls = new(TagClass.ContextSpecific, 1, isConstructed: true);

    /// <summary>
    /// DER of the message. DER sorts a SET OF, so the certificates do not keep their order: a
    /// reader finds its own by key or subject, not by position.
    /// </summary>
    public static byte[] Encode(IEnumerable<X509Certificate2> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        X509Certificate2[] all = [.. certificates];
        if (all.Length == 0)
        {
            throw new ArgumentException("a certs-only message needs at least one certificate", nameof(certificates));
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(Oids.SignedData);
            using (writer.PushSequence(ExplicitContent))
            using (writer.PushSequence())
            {
                // SignedData ::= SEQUENCE { version 1, digestAlgorithms {}, encapContentInfo { id-data },
                //                           certificates [0] IMPLICIT, signerInfos {} }
                writer.WriteInteger(1);
                writer.PushSetOf();
                writer.PopSetOf();
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(Oids.Data);
                }

                using (writer.PushSetOf(Certificates))
                {
                    foreach (var certificate in all)
                    {
                        writer.WriteEncodedValue(certificate.RawDataMemory.Span);
                    }
                }

                writer.PushSetOf();
                writer.PopSetOf();
            }
        }

        return writer.Encode();
    }

    /// <summary>The DER as base64 in lines of 76 characters (RFC 2045), the body of an EST answer.</summary>
    public static string EncodeBase64(IEnumerable<X509Certificate2> certificates) =>
        Convert.ToBase64String(Encode(certificates), Base64FormattingOptions.InsertLineBreaks) + "\r\n";

    /// <summary>
    /// The certificates in a certs-only message given as DER, as base64 DER (line breaks and other
    /// white space allowed, as RFC 8951 asks), or as PEM ("PKCS7"). BER is read too, as other EST
    /// servers send it. Signatures are not checked here: the caller builds a chain from them.
    /// </summary>
    /// <exception cref="PkiException">when it is not a certs-only message or holds something other than X.509 certificates.</exception>
    public static X509Certificate2Collection Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxEncodedLength)
        {
            throw new PkiException($"the PKCS#7 message is {data.Length} bytes long; at most {MaxEncodedLength} are read");
        }

        var der = BinaryOrText.Decode(data, ["PKCS7", "CMS"], why => new PkiException($"not a PKCS#7 message: {why}"));
        var collection = new X509Certificate2Collection();
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.BER);
            var contentInfo = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var contentType = contentInfo.ReadObjectIdentifier();
            if (contentType != Oids.SignedData)
            {
                throw new PkiException($"the PKCS#7 message is of content type {contentType}, not signedData ({Oids.SignedData})");
            }

            var explicitContent = contentInfo.ReadSequence(ExplicitContent);
            contentInfo.ThrowIfNotEmpty();
            var signedData = explicitContent.ReadSequence();
            explicitContent.ThrowIfNotEmpty();

            signedData.ReadInteger();
            signedData.ReadSetOf();
            signedData.ReadSequence(); // encapContentInfo: certs-only carries no content worth reading
            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Certificates))
            {
                var certificates = signedData.ReadSetOf(Certificates);
                while (certificates.HasData)
                {
                    var tag = certificates.PeekTag();
                    if (!tag.HasSameClassAndValue(Asn1Tag.Sequence))
                    {
                        throw new PkiException(
                            $"the PKCS#7 message holds a certificate choice [{tag.TagValue}] other than an X.509 certificate");
                    }

                    collection.Add(X509CertificateLoader.LoadCertificate(certificates.ReadEncodedValue().Span));
                }
            }

            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Crls))
            {
                signedData.ReadEncodedValue();
            }

            signedData.ReadSetOf();
            signedData.ThrowIfNotEmpty();
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            DisposeAll(collection);
            throw new PkiException($"not a readable PKCS#7 certs-only message: {e.Message}", e);
        }
        catch
        {
            DisposeAll(collection);
            throw;
        }

        if (collection.Count == 0)
        {
            throw new PkiException("the PKCS#7 message holds no certificate");
        }

        return collection;
    }

    private static void DisposeAll(X509Certificate2Collection collection)
    {
        foreach (var certificate in collection)
        {
            certificate.Dispose();
        }
    }
}
