using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TrackTrace.Pki;

/// <summary>
/// Reads and writes certificates and private keys as PEM files, and PKCS#12 files for browsers.
/// Key files are created with mode 600 on Unix before any byte is written, and every file is
/// replaced by an atomic rename, so a reader never sees half a key and a key is never readable by
/// others even for a moment.
/// </summary>
public static class PemFiles
{
    /// <summary>rw------- : the only mode a private key file gets.</summary>
    public const UnixFileMode PrivateKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <c>{baseName}.crt</c> and <c>{baseName}.key</c> (mode 600) into <paramref name="directory"/>, replacing them.</summary>
    public static WrittenFiles WriteCertificateAndKey(string directory, string baseName, X509Certificate2 certificateWithKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(baseName);
        ArgumentNullException.ThrowIfNull(certificateWithKey);
        var certificatePath = Path.GetFullPath(Path.Combine(directory, baseName + ".crt"));
        var keyPath = Path.GetFullPath(Path.Combine(directory, baseName + ".key"));
        WritePrivateKey(keyPath, certificateWithKey, overwrite: true);
        WriteCertificate(certificatePath, certificateWithKey);
        return new WrittenFiles(certificatePath, keyPath, Fingerprint.Sha256Hex(certificateWithKey));
    }

    /// <summary>Writes the certificate as one "CERTIFICATE" PEM block, replacing the file.</summary>
    public static void WriteCertificate(string path, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        WriteAtomically(path, certificate.ExportCertificatePem() + "\n", mode: null, overwrite: true);
    }

    /// <summary>Writes the certificates as PEM blocks in the order given (a chain, leaf first), replacing the file.</summary>
    public static void WriteCertificateChain(string path, IEnumerable<X509Certificate2> certificates) =>
        WriteAtomically(path, PemCertificateChain.Write(certificates), mode: null, overwrite: true);

    /// <summary>Writes the certificate's private key (PKCS#8 "PRIVATE KEY"), mode 600.</summary>
    public static void WritePrivateKey(string path, X509Certificate2 certificateWithKey, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(certificateWithKey);
        using var key = (AsymmetricAlgorithm?)certificateWithKey.GetECDsaPrivateKey()
            ?? certificateWithKey.GetRSAPrivateKey()
            ?? throw new ArgumentException("the certificate has no ECDSA or RSA private key", nameof(certificateWithKey));
        WritePrivateKey(path, key, overwrite);
    }

    /// <summary>
    /// Writes the key as PKCS#8 "PRIVATE KEY", mode 600. With <paramref name="overwrite"/> false,
    /// an existing file is left alone and <see cref="PkiException"/> is thrown.
    /// </summary>
    public static void WritePrivateKey(string path, AsymmetricAlgorithm key, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        WriteAtomically(path, key.ExportPkcs8PrivateKeyPem() + "\n", PrivateKeyMode, overwrite);
    }

    /// <summary>Reads the first "CERTIFICATE" PEM block of the file.</summary>
    public static X509Certificate2 ReadCertificate(string path)
    {
        var text = ReadText(path, "certificate");
        try
        {
            return X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new PkiException($"'{path}' holds no readable PEM certificate: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads an unencrypted ECDSA or RSA private key: PKCS#8 "PRIVATE KEY", "EC PRIVATE KEY" or
    /// "RSA PRIVATE KEY". Other blocks (such as openssl's "EC PARAMETERS") are skipped. The caller
    /// owns the returned key (an <see cref="ECDsa"/> or an <see cref="RSA"/>).
    /// </summary>
    public static AsymmetricAlgorithm ReadPrivateKey(string path)
    {
        var text = ReadText(path, "private key");
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var base64 = rest[fields.Base64Data].ToString();
            rest = rest[fields.Location.End..];
            try
            {
                switch (label)
                {
                    case "PRIVATE KEY":
                        return ImportPkcs8(Convert.FromBase64String(base64), path);
                    case "EC PRIVATE KEY":
                        var ecdsa = ECDsa.Create();
                        ecdsa.ImportECPrivateKey(Convert.FromBase64String(base64), out _);
                        return ecdsa;
                    case "RSA PRIVATE KEY":
                        var rsa = RSA.Create();
                        rsa.ImportRSAPrivateKey(Convert.FromBase64String(base64), out _);
                        return rsa;
                    case "ENCRYPTED PRIVATE KEY":
                        throw new PkiException(
                            $"'{path}' holds an encrypted private key; decrypt it first (openssl pkey -in {path} -out {path}.plain)");
                }
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException or FormatException)
            {
                throw new PkiException($"'{path}' has a {label} block that cannot be read: {e.Message}", e);
            }
        }

        throw new PkiException($"'{path}' holds no unencrypted PEM private key (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
    }

    /// <summary>Reads a certificate and its private key, checking that the key belongs to the certificate.</summary>
    public static X509Certificate2 ReadCertificateWithKey(string certificatePath, string keyPath)
    {
        using var certificate = ReadCertificate(certificatePath);
        using var key = ReadPrivateKey(keyPath);
        try
        {
            return key switch
            {
                ECDsa ecdsa when certificate.GetECDsaPublicKey() is not null => certificate.CopyWithPrivateKey(ecdsa),
                RSA rsa when certificate.GetRSAPublicKey() is not null => certificate.CopyWithPrivateKey(rsa),
                _ => throw new PkiException(
                    $"'{keyPath}' holds {KeyKind(key)} key but '{certificatePath}' is not for one (its key algorithm is {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value})"),
            };
        }
        catch (ArgumentException e)
        {
            // CopyWithPrivateKey refuses a key whose public half differs from the certificate's.
            throw new PkiException($"'{keyPath}' does not belong to '{certificatePath}': {e.Message}", e);
        }
    }

    private static string KeyKind(AsymmetricAlgorithm key) => key is ECDsa ? "an ECDSA" : "an RSA";

    private static AsymmetricAlgorithm ImportPkcs8(byte[] der, string path)
    {
        // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { algorithm OID, ... }, privateKey, ... }
        var info = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        info.ReadInteger();
        var algorithm = info.ReadSequence().ReadObjectIdentifier();
        AsymmetricAlgorithm key = algorithm switch
        {
            Oids.EcPublicKey => ECDsa.Create(),
            Oids.Rsa => RSA.Create(),
            _ => throw new PkiException($"'{path}' holds a key of algorithm {algorithm}; only ECDSA and RSA keys are supported"),
        };
        try
        {
            key.ImportPkcs8PrivateKey(der, out _);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static string ReadText(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PkiException($"{what} file '{path}' does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PkiException($"cannot read {what} file '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes the certificate and its private key as a PKCS#12 (.p12) file, mode 600, for a
    /// browser or an OS keychain to import. The PBE is 3DES/SHA-1, the one every importer reads;
    /// the file is only as safe as its mode and <paramref name="password"/>.
    /// </summary>
    public static void WritePkcs12(string path, X509Certificate2 certificateWithKey, string password)
    {
        ArgumentNullException.ThrowIfNull(certificateWithKey);
        ArgumentNullException.ThrowIfNull(password);
        if (!certificateWithKey.HasPrivateKey)
        {
            throw new ArgumentException("the certificate has no private key", nameof(certificateWithKey));
        }

        WriteAtomically(path, certificateWithKey.ExportPkcs12(Pkcs12ExportPbeParameters.Pkcs12TripleDesSha1, password),
            PrivateKeyMode, overwrite: true);
    }

    private static void WriteAtomically(string path, string contents, UnixFileMode? mode, bool overwrite) =>
        WriteAtomically(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(contents), mode, overwrite);

    private static void WriteAtomically(string path, byte[] contents, UnixFileMode? mode, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        if (!overwrite && File.Exists(fullPath))
        {
            throw new PkiException($"'{fullPath}' already exists; refusing to overwrite it");
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (mode is not null && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(contents);
            }

            if (mode is not null && !OperatingSystem.IsWindows())
            {
                // The create mode is filtered by the umask; say exactly what we mean.
                File.SetUnixFileMode(temporary, mode.Value);
            }

            // Without overwrite, the move fails rather than replace a file created meanwhile.
            File.Move(temporary, fullPath, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(fullPath))
        {
            throw new PkiException($"'{fullPath}' already exists; refusing to overwrite it");
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
