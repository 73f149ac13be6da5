using Microsoft.Extensions.Options;
using TrackTrace.Domain.Decisions;

namespace TrackTrace.Api.Hosting;

/// <summary>Section "Api": ports, TLS material and the trust anchors for client certificates.</summary>
public sealed class ApiOptions
{
    /// <summary>Address the mTLS API listens on ("0.0.0.0", "::" or "127.0.0.1").</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    public int HttpsPort { get; set; } = 8443;

    /// <summary>Plain-HTTP port for /health and /metrics; always bound to loopback.</summary>
    public int HealthPort { get; set; } = 8080;

    /// <summary>
    /// The EST enrollment port (server TLS, no client certificate) on <see cref="ListenAddress"/>: only
    /// <c>/.well-known/est/cacerts</c> and <c>/.well-known/est/simpleenroll</c> answer there.
    /// </summary>
    public int EnrollmentPort { get; set; } = 8444;

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

    /// <summary>How far in the past an event time may be before it is refused.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(30);

    public EventTimeWindow EventTimes => new(ClockSkew, MaxEventAge);
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

    /// <summary>
    /// RabbitMQ users whose SuspendDevice commands count (the broker verifies a message's user_id);
    /// empty: any publisher with write access to the queue.
    /// </summary>
    public List<string> BusSenders { get; set; } = [];

    /// <summary>
    /// How often a long-lived response (the live alert stream) checks its device again; it ends when
    /// the device may no longer make the request that opened it.
    /// </summary>
    public TimeSpan StreamRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an enrollment token (POST /api/devices without a certificate, or .../enrollment-token) may be used.</summary>
    public TimeSpan EnrollmentTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a certificate issued over EST (enrollment or renewal) lives.</summary>
    public TimeSpan CertificateLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>After a renewal the old certificate keeps working until the new one is first used or this has passed.</summary>
    public TimeSpan RenewalGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the service looks for renewed certificates whose grace has ended, to record their retirement.</summary>
    public TimeSpan RenewalSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// EST enrollments and renewals handled at once; more wait in a queue of <see cref="EnrollmentQueue"/>,
    /// beyond which they are answered 503 with Retry-After. A fleet switched on at once is then served
    /// in turn instead of all at once and none in time.
    /// </summary>
    public int EnrollmentConcurrency { get; set; } = 16;

    public int EnrollmentQueue { get; set; } = 10_000;

    /// <summary>The time spans above that must be positive, named as in the configuration, for the start-up check.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (name, value) in new[]
                 {
                     ("EnrollmentTokenLifetime", EnrollmentTokenLifetime), ("CertificateLifetime", CertificateLifetime),
                     ("RenewalGrace", RenewalGrace), ("RenewalSweepInterval", RenewalSweepInterval),
                     ("RejectionAlertWindow", RejectionAlertWindow),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"Devices:{name} must be a positive time span (e.g. 1.00:00:00 for a day), not {value}";
            }
        }

        if (EnrollmentConcurrency < 1 || EnrollmentQueue < 0)
        {
            yield return $"Devices:EnrollmentConcurrency must be at least 1 and Devices:EnrollmentQueue at least 0, not {EnrollmentConcurrency} and {EnrollmentQueue}";
        }
    }
}

/// <summary>Section "Shipments": how shipments are watched between check-ins.</summary>
public sealed class ShipmentOptions
{
    /// <summary>
    /// The overdue monitor looks for check-ins past their due time at least this often (positive,
    /// else the service does not start); each instance looks, one records.
    /// </summary>
    public TimeSpan OverdueCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Decide a check-in on the shipment's state kept in memory from the last write (true), or read
    /// it first (false). Set false when several instances take scans behind a balancer: a
    /// shipment's check-ins then reach different instances, a cached state is mostly stale, and a
    /// stale one costs a failed write before the read it saved.
    /// </summary>
    public bool CacheStates { get; set; } = true;
}

/// <summary>Section "Workflows": where the route definitions live.</summary>
public sealed class WorkflowOptions
{
    /// <summary>Folder of route YAML files; relative paths are resolved from the application folder.</summary>
    public string Directory { get; set; } = "workflows";
}

/// <summary>
/// Section "RabbitMq". The URI carries the broker's user and password; there is no default, so the
/// service never falls back on RabbitMQ's well-known guest account.
/// </summary>
public sealed class RabbitMqOptions
{
    public string Uri { get; set; } = "";

    /// <summary>
    /// The nodes of a RabbitMQ cluster as host:port; empty: the URI's host is the only one. When a
    /// node goes away the bus reconnects to another (the URI still gives user, password and vhost).
    /// </summary>
    public List<string> Nodes { get; set; } = [];

    /// <summary>
    /// Declare the queues TrackTrace consumes (suspend-device) as quorum queues, replicated over
    /// the cluster's nodes, so a command survives the loss of a node. A queue that already exists
    /// as a classic one must be deleted first: RabbitMQ does not convert it.
    /// </summary>
    public bool QuorumQueues { get; set; }

    /// <summary>Why the configured URI cannot be used, or null when it can.</summary>
    public static string? Problem(string? configured)
    {
        const string Expected = "expected amqp://user:password@host:port/vhost, e.g. TRACKTRACE_RABBITMQ of .tracktrace/env";
        if (string.IsNullOrWhiteSpace(configured))
        {
            return $"RabbitMq:Uri is not configured; {Expected}";
        }

        if (!System.Uri.TryCreate(configured, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            return $"RabbitMq:Uri is not an amqp:// or amqps:// URI; {Expected}";
        }

        // Without user info the client would log in as guest/guest.
        var credentials = uri.UserInfo.Split(':', 2);
        return credentials.Length == 2 && credentials[0].Length > 0 && credentials[1].Length > 0
            ? null
            : $"RabbitMq:Uri names no user and password; {Expected}";
    }

    /// <summary>Why a configured cluster node cannot be used, or null when it can.</summary>
    public static string? NodeProblem(int index, string? node) =>
        node is { Length: > 0 } && System.Uri.TryCreate("amqp://" + node, UriKind.Absolute, out var parsed) &&
        parsed.AbsolutePath == "/" && parsed.UserInfo.Length == 0 && parsed.Query.Length == 0
            ? null
            : $"RabbitMq:Nodes:{index} is '{node}'; expected host or host:port, e.g. 10.0.0.7:5672 (user and password come from RabbitMq:Uri)";
}

/// <summary>Checked when the options are first read: at start-up (TrackTraceApp.Build), before anything connects.</summary>
internal sealed class RabbitMqOptionsValidation : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        var problems = options.Nodes.Select((node, i) => RabbitMqOptions.NodeProblem(i, node)).Prepend(RabbitMqOptions.Problem(options.Uri))
            .OfType<string>().ToArray();
        return problems.Length > 0 ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}

/// <summary>Section "Alerts": where alerts are delivered to people.</summary>
public sealed class AlertOptions
{
    public List<WebhookOptions> Webhooks { get; set; } = [];

    /// <summary>Per device and alert type, at most <see cref="PerDeviceLimit"/> alerts in each window of this length.</summary>
    public TimeSpan PerDeviceWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Alerts of one device and type raised per window; past it one alert counts the rest.</summary>
    public int PerDeviceLimit { get; set; } = 10;
}

/// <summary>
/// One webhook: alerts of the listed types (all when empty) are POSTed as JSON to <see cref="Url"/>
/// with header X-TrackTrace-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.deliveryId.body")&gt;.
/// Checked at start-up (<see cref="Alerts.WebhookTargets"/>): a unique name, an absolute https URL
/// (http only to loopback), a secret of at least 16 characters, known alert types.
/// </summary>
public sealed class WebhookOptions
{
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public List<string> Types { get; set; } = [];
}

/// <summary>A setting the service cannot work with; the message names each key and what is accepted.</summary>
public sealed class InvalidSettingException(string message) : Exception(message);
