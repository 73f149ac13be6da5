using System.Net;
using System.Security.Cryptography.X509Certificates;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Prometheus;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Devices;
using TrackTrace.Api.Devices.EnrollingWithToken;
using TrackTrace.Api.Devices.Est;
using TrackTrace.Api.Devices.RenewingCertificate;
using TrackTrace.Api.Epcis;
using TrackTrace.Api.Epcis.Exporting;
using TrackTrace.Api.Messaging;
using TrackTrace.Api.Monitoring;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Api.Shipments.MonitoringOverdue;
using TrackTrace.Api.StaffPage;
using TrackTrace.Api.Store;
using TrackTrace.Api.Stations;
using TrackTrace.Api.Workflows;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Routes;

namespace TrackTrace.Api.Hosting;

/// <summary>The composition root: one place that wires PostgreSQL, RabbitMQ, TLS and the endpoints.</summary>
public static class TrackTraceApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args, ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);

        var config = builder.Configuration;
        var services = builder.Services;
        services.Configure<ApiOptions>(config.GetSection("Api"));
        services.Configure<DeviceOptions>(config.GetSection("Devices"));
        services.Configure<WorkflowOptions>(config.GetSection("Workflows"));
        services.Configure<ShipmentOptions>(config.GetSection("Shipments"));
        services.Configure<RabbitMqOptions>(config.GetSection("RabbitMq"));
        services.AddSingleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidation>();
        services.Configure<AlertOptions>(config.GetSection("Alerts"));

        builder.AddTrackTraceTelemetry();

        // TryAdd: a test host that registered its own clock in the configure callback keeps it.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => LoadRoutes(sp.GetRequiredService<IOptions<WorkflowOptions>>().Value));

        // PostgreSQL: one data source for Marten and for the health check.
        var connectionString = config.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured");
        services.AddSingleton(_ => NpgsqlDataSource.Create(WithPreparedStatements(connectionString)));
        services.AddMarten(sp =>
            {
                var opts = new StoreOptions();
                opts.Connection(sp.GetRequiredService<NpgsqlDataSource>());
                TrackTraceStore.Configure(opts);
                return opts;
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .AddSubscriptionWithServices<IntegrationPublisher>(ServiceLifetime.Singleton)
            .AddSubscriptionWithServices<AlertDispatcher>(ServiceLifetime.Singleton)
            .AddSubscriptionWithServices<ShipmentEpcisExport>(ServiceLifetime.Singleton)
            .AddAsyncDaemon(DaemonMode.HotCold);
        services.AddHostedService<LegacyScanReceipts>(); // after Marten's schema step, before requests
        services.AddHttpClient(WebhookSender.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddHostedService<WebhookSender>();
        services.AddHostedService<OperationalGauges>();
        services.AddSingleton<AlertBudget>();
        services.AddSingleton<AlertSuppressionSummaries>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertSuppressionSummaries>());
        services.AddSingleton<AlertFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());

        services.AddTrackTraceMessaging();

        // Identity: chain in the TLS handshake, device attribute store on every request.
        services.AddSingleton(sp => ClientCertificateTrust.Load(
            sp.GetRequiredService<IOptions<ApiOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ClientCertificateValidator>();
        services.AddSingleton(sp =>
            new DeviceAccessPolicy(sp.GetRequiredService<IOptions<DeviceOptions>>().Value.ExpectedAttributes));
        services.AddSingleton(sp => new StoreNames(sp.GetRequiredService<IDocumentStore>().Options));
        services.AddSingleton<DeviceDirectory>();
        services.AddSingleton<DeviceRegistry>();
        services.AddSingleton<WindowedAlerts>();
        services.AddSingleton<DeviceRejectionAlerts>();
        services.AddSingleton<CertificateSuccession>();
        services.AddSingleton<DeviceGate>();
        services.AddSingleton<DeviceSessions>();
        services.AddSingleton<DeviceActivity>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceActivity>());
        services.AddHostedService<AdminBootstrap>();

        // Devices that hold their own keys: EST enrollment with a one-time token, renewal over mTLS.
        services.AddSingleton<DeviceCertificateIssuer>();
        services.AddSingleton<SimpleEnrollHandler>();
        services.AddSingleton<SimpleReenrollHandler>();
        services.AddSingleton<RenewalGraceSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<RenewalGraceSweep>());
        services.AddEstConcurrencyLimit(config.GetSection("Devices").Get<DeviceOptions>() ?? new DeviceOptions());
        services.AddAuthentication(DeviceAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, DeviceAuthenticationHandler>(DeviceAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddRolePolicies();

        services.AddShipments();
        services.AddMonitoring(config);
        services.AddEpcis(config);

        services.AddProblemDetails();
        // Unreadable bodies reach ProblemExceptionHandler, which says what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => WireJson.Configure(o.SerializerOptions));
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgresql");
        services.AddTrackTraceSwagger();

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var api = context.Configuration.GetSection("Api").Get<ApiOptions>() ?? new ApiOptions();
            var serverCertificate = X509Certificate2.CreateFromPemFile(api.ServerCertificate, api.ServerKey);
            kestrel.Listen(IPAddress.Parse(api.ListenAddress), api.HttpsPort, listen =>
            {
                listen.Use(Listeners.Mark(Listener.Api));
                listen.UseProxyProtocol(); // from the trusted balancers only (Api:TrustedProxies)
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = serverCertificate;
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.CheckCertificateRevocation = false;
                    var validator = kestrel.ApplicationServices.GetRequiredService<ClientCertificateValidator>();
                    https.ClientCertificateValidation = (certificate, _, _) => validator.Validate(certificate);
                });
            });
            // EST enrollment: the same server certificate, no client certificate (the device has none yet).
            var admission = HandshakeAdmission.PerCore(4);
            kestrel.Listen(IPAddress.Parse(api.ListenAddress), api.EnrollmentPort, listen =>
            {
                listen.Use(Listeners.Mark(Listener.Enrollment));
                listen.Use(admission.BeforeHandshake);
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = serverCertificate;
                    https.ClientCertificateMode = ClientCertificateMode.NoCertificate;
                    // No resumption here: a client could otherwise resume a session of the mTLS port, whose
                    // client certificate this listener, asking for none, would then refuse to validate.
                    https.OnAuthenticate = (_, options) => options.AllowTlsResume = false;
                });
                listen.Use(HandshakeAdmission.AfterHandshake);
            });
            kestrel.Listen(IPAddress.Loopback, api.HealthPort, listen => listen.Use(Listeners.Mark(Listener.Operational)));
        });

        // A webhook that cannot be trusted stops the service here, before anything starts.
        WebhookTargets.Validate(config.GetSection("Alerts").Get<AlertOptions>() ?? new AlertOptions());

        var app = builder.Build();
        app.Services.GetRequiredService<RouteCatalog>(); // a bad workflow file stops the service here
        _ = app.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value; // so does a RabbitMQ URI without credentials
        app.Services.GetRequiredService<DeviceSessions>(); // so does a re-check interval that is not positive
        app.Services.GetRequiredService<OverdueMonitor>(); // and an overdue check interval that is not
        app.Services.GetRequiredService<ClientCertificateTrust>(); // so do roots and an issuing CA that cannot work
        app.Services.CheckMonitoring(); // and trusted proxies or monitoring rules that cannot work
        if (app.Services.GetRequiredService<IOptions<DeviceOptions>>().Value.Problems().ToArray() is { Length: > 0 } problems)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, problems)); // and lifetimes that are not positive
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(PortSeparation.Middleware);
        app.UseAuthentication();
        app.UseAuthorization();
        // After both: a device that may not act at all is refused as such before its request is judged.
        app.Use(StateChangeGuard.Middleware);
        app.Use(DeviceSessions.Middleware);
        app.UseRateLimiter();

        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.Write }).AllowAnonymous();
        app.MapMetrics("/metrics").AllowAnonymous();
        app.UseTrackTraceSwagger();

        var api = app.MapGroup("/api");
        api.MapWorkflows();
        api.MapStations();
        api.MapShipments();
        api.MapDevices();
        api.MapAlerts();
        api.MapSignedIn();
        app.MapEpcis();
        app.MapStaffPage();
        app.MapEst();
        return app;
    }

    /// <summary>
    /// The write path sends the same few statements over and over (the event append, the snapshot, the
    /// receipts); prepared once per connection, PostgreSQL stops parsing and planning each of them. A
    /// connection string that sets its own auto-prepare options (Max Auto Prepare, Auto Prepare Min
    /// Usages) keeps them.
    /// </summary>
    internal static string WithPreparedStatements(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
        }

        return builder.ConnectionString;
    }

    private static RouteCatalog LoadRoutes(WorkflowOptions options) =>
        RouteCatalog.Load(Path.IsPathRooted(options.Directory)
            ? options.Directory
            : Path.Combine(AppContext.BaseDirectory, options.Directory));
}

/// <summary>
/// Every path belongs to one listener, and every other listener answers it 404: the loopback HTTP
/// port serves only /health and /metrics, the enrollment port only EST's cacerts and simpleenroll,
/// and the mTLS port everything else. So the API is never reachable without a client certificate,
/// and nothing but enrollment is reachable through the enrollment port.
/// </summary>
internal static class PortSeparation
{
    public static Listener Owner(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") ? Listener.Operational
        : EstEndpoints.EnrollmentListenerPaths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase)) ? Listener.Enrollment
        : Listener.Api;

    public static Task Middleware(HttpContext context, Func<Task> next)
    {
        var owner = Owner(context.Request.Path);
        if (owner != Listeners.Of(context))
        {
            return Problems.Write(context, StatusCodes.Status404NotFound, "not-found", "Not found", owner switch
            {
                Listener.Operational => "Health and metrics are served on the loopback HTTP port only.",
                Listener.Enrollment => $"{context.Request.Path} is served on the EST enrollment port only (https, port 8444 by default).",
                Listener.Api => "The API is served over mutual TLS only (https, port 8443 by default); " +
                                $"the enrollment port serves {string.Join(" and ", EstEndpoints.EnrollmentListenerPaths)} only.",
                _ => throw new ArgumentOutOfRangeException(nameof(context), owner, "not a listener"),
            });
        }

        return next();
    }
}
