namespace TrackTrace.Api.Hosting;

/// <summary>Section "Api": ports, TLS material and the trust anchors for client certificates.</summary>
public sealed class ApiOptions
{
    /// <summary>Address the mTLS API listens on ("0.0.0.0", "::" or "127.0.0.1").</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    public int HttpsPort { get; set; } = 8443;

    /// <summary>Plain-HTTP port for /health and /metrics; always bound to loopback.</summary>
    public int HealthPort { get; set; } = 8080;

    public string ServerCertificate { get; set; } = "";
    public string ServerKey { get; set; } = "";

    /// <summary>PEM files of the root CAs whose client certificates are accepted (several during a rotation).</summary>
    public List<string> ClientCertificateAuthorities { get; set; } = [];

    /// <summary>
    /// PEM certificate of the issuing CA this service signs device certificates with (made by
    /// <c>tracktrace ca intermediate</c>); it must be a CA that chains to a root above. Its
    /// certificates are accepted whether or not the client sends it.
    /// </summary>
    public string? IssuingCertificate { get; set; }

    /// <summary>The issuing CA's private key (PEM); the file must be mode 600 or stricter.</summary>
    public string? IssuingKey { get; set; }

    /// <summary>
    /// PEM files of further issuing CAs whose certificates are still accepted but which this
    /// service does not sign with: the previous issuing CA during a rotation, or one kept offline
    /// for devices enrolled by hand. Only configured intermediates complete a chain.
    /// </summary>
    public List<string> ClientCertificateIntermediates { get; set; } = [];

    /// <summary>How far in the future an event time (scannedAt, readings) may be before it is refused.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Section "Devices": the expected attributes and the first admin.</summary>
public sealed class DeviceOptions
{
    /// <summary>Attribute name -> value every device must carry (status = active unless overridden).</summary>
    public Dictionary<string, string> ExpectedAttributes { get; set; } = new() { ["status"] = "active" };

    /// <summary>PEM certificate enrolled as device "admin" with role admin at start-up when no admin exists.</summary>
    public string? BootstrapAdminCertificate { get; set; }

    /// <summary>Repeated rejections of one certificate raise at most one alert per window.</summary>
    public TimeSpan RejectionAlertWindow { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Section "Workflows": where the route definitions live.</summary>
public sealed class WorkflowOptions
{
    /// <summary>Folder of route YAML files; relative paths are resolved from the application folder.</summary>
    public string Directory { get; set; } = "workflows";
}

/// <summary>Section "RabbitMq".</summary>
public sealed class RabbitMqOptions
{
    public string Uri { get; set; } = "amqp://guest:guest@127.0.0.1:5672/";
}

/// <summary>Section "Alerts": where alerts are delivered to people.</summary>
public sealed class AlertOptions
{
    public List<WebhookOptions> Webhooks { get; set; } = [];
}

/// <summary>
/// One webhook: alerts of the listed types (all when empty) are POSTed as JSON to <see cref="Url"/>
/// with header X-TrackTrace-Signature: sha256=HMAC-SHA256(secret, body) in hex.
/// </summary>
public sealed class WebhookOptions
{
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public List<string> Types { get; set; } = [];
}
