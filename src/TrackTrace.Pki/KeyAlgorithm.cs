namespace TrackTrace.Pki;

/// <summary>The key pair a new certificate gets.</summary>
public enum KeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256, signed with SHA-256: small and fast, the default.</summary>
    EcdsaP256,

    /// <summary>RSA 3072 with PKCS#1 v1.5 signatures, for peers that cannot do ECDSA.</summary>
    Rsa3072,
}
