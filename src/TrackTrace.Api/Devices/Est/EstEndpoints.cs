using Microsoft.AspNetCore.RateLimiting;
using TrackTrace.Api.Devices.EnrollingWithToken;
using TrackTrace.Api.Devices.RenewingCertificate;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Decisions;
using TrackTrace.Pki;

namespace TrackTrace.Api.Devices.Est;

/// <summary>
/// EST (RFC 7030) under <c>/.well-known/est</c>: <c>cacerts</c> and <c>simpleenroll</c> on the
/// enrollment listener (no client certificate; the token is the credential), <c>simplereenroll</c>
/// on the mTLS API (the current certificate is). Which listener serves which path is
/// <see cref="PortSeparation"/>'s business.
/// </summary>
public static class EstEndpoints
{
    public const string Root = "/.well-known/est";
    public const string CaCertsPath = Root + "/cacerts";
    public const string SimpleEnrollPath = Root + "/simpleenroll";
    public const string SimpleReenrollPath = Root + "/simplereenroll";

    /// <summary>The concurrency limit of simpleenroll and simplereenroll (Devices:EnrollmentConcurrency, :EnrollmentQueue).</summary>
    public const string ConcurrencyPolicy = "est";

    /// <summary>The paths served on the enrollment listener, and nowhere else.</summary>
    public static readonly IReadOnlyList<string> EnrollmentListenerPaths = [CaCertsPath, SimpleEnrollPath];

    public static void MapEst(this WebApplication app)
    {
        var est = app.MapGroup(Root).WithTags("EST");
        est.MapGet("/cacerts", CaCerts).AllowAnonymous()
            .WithSummary("The issuing CA and its root as certs-only PKCS#7, base64 (enrollment port, no client certificate)");
        est.MapPost("/simpleenroll", SimpleEnroll).AllowAnonymous().AcceptsContentTypes(EstMediaTypes.Pkcs10).RequireRateLimiting(ConcurrencyPolicy)
            .WithSummary("Enroll with Authorization: Basic base64(deviceId:token) and a base64 DER PKCS#10 body (enrollment port)");
        est.MapPost("/simplereenroll", SimpleReenroll).AcceptsContentTypes(EstMediaTypes.Pkcs10).RequireRateLimiting(ConcurrencyPolicy)
            .WithSummary("Renew: a base64 DER PKCS#10 for a new key, sent with the current client certificate (any device role)");
    }

    private static IResult CaCerts(HttpContext http, DeviceCertificateIssuer issuer) =>
        issuer.CanIssue ? EstWire.CertsOnly(http, issuer.Chain) : Unavailable();

    private static async Task<IResult> SimpleEnroll(
        HttpContext http, SimpleEnrollHandler handler, DeviceCertificateIssuer issuer, CancellationToken ct)
    {
        if (!issuer.CanIssue)
        {
            return Unavailable();
        }

        var body = await EstWire.ReadBodyAsync(http.Request, ct);
        var outcome = await handler.EnrollAsync(EstWire.Credentials(http.Request), body,
            http.Connection.RemoteIpAddress?.ToString(), ct);
        return Answer(http, outcome, issuer);
    }

    private static async Task<IResult> SimpleReenroll(
        HttpContext http, SimpleReenrollHandler handler, DeviceCertificateIssuer issuer, CancellationToken ct)
    {
        if (!issuer.CanIssue)
        {
            return Unavailable();
        }

        var body = await EstWire.ReadBodyAsync(http.Request, ct);
        var outcome = await handler.RenewAsync(http.User.DeviceId(), http.Connection.ClientCertificate!, body, ct);
        return Answer(http, outcome, issuer);
    }

    private static IResult Answer(HttpContext http, EnrollmentOutcome outcome, DeviceCertificateIssuer issuer)
    {
        if (outcome.Refusal is { } refusal)
        {
            return refusal.Kind == RefusalKind.Unauthenticated ? EstWire.Unauthenticated(http, refusal) : Problems.From(refusal);
        }

        using var issued = outcome.Certificate!;
        return EstWire.Certificate(http, issued, issuer.Chain);
    }

    /// <summary>
    /// At most Devices:EnrollmentConcurrency signings and binds at a time, the rest queued: each holds
    /// a PostgreSQL connection while it runs, and a fleet powered on at once must not take them all.
    /// </summary>
    public static IServiceCollection AddEstConcurrencyLimit(this IServiceCollection services, DeviceOptions options) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddConcurrencyLimiter(ConcurrencyPolicy, o =>
            {
                o.PermitLimit = options.EnrollmentConcurrency;
                o.QueueLimit = options.EnrollmentQueue;
                o.QueueProcessingOrder = System.Threading.RateLimiting.QueueProcessingOrder.OldestFirst;
            });
            limiter.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "5";
                await Problems.Write(context.HttpContext, StatusCodes.Status503ServiceUnavailable, "enrollment-busy", "Enrollment busy",
                    "Too many enrollments are waiting; retry after the seconds in Retry-After. Nothing was changed.");
            };
        });

    private static IResult Unavailable() => Problems.Result(StatusCodes.Status503ServiceUnavailable, "enrollment-unavailable",
        "Enrollment unavailable",
        "This service has no issuing CA (Api:IssuingCertificate and Api:IssuingKey), so it can neither enroll nor renew devices.");
}
