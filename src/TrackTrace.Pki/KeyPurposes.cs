namespace TrackTrace.Pki;

/// <summary>Extended key usage OIDs (RFC 5280, 4.2.1.12) that TrackTrace certificates carry.</summary>
public static class KeyPurposes
{
    /// <summary>id-kp-serverAuth: TLS server.</summary>
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth: TLS client, what a device presents to the service.</summary>
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
}
