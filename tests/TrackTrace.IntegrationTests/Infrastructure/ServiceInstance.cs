using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrackTrace.Api.Hosting;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// One real TrackTrace service: Kestrel with mutual TLS on an ephemeral loopback port, the health
/// port beside it, Marten on the given database and MassTransit on the given broker.
/// </summary>
public sealed class ServiceInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServiceInstance(WebApplication app, RecentLog log, Uri api, Uri enrollment, Uri health)
    {
        _app = app;
        Log = log;
        ApiAddress = api;
        EnrollmentAddress = enrollment;
        HealthAddress = health;
    }

    public Uri ApiAddress { get; }

    /// <summary>The EST enrollment listener: server TLS, no client certificate.</summary>
    public Uri EnrollmentAddress { get; }

    public Uri HealthAddress { get; }

    /// <summary>What the instance logged lately (warnings and errors), for a test's failure message.</summary>
    public RecentLog Log { get; }
    public IServiceProvider Services => _app.Services;

    /// <param name="configure">Adds services before the service's own (a test's implementation behind a seam).</param>
    /// <param name="extend">Maps extra endpoints before the service starts, for tests of a mechanism no shipped endpoint uses yet.</param>
    /// <param name="clock">The service's clock, for tests of what time does (windows closing, legs falling due).</param>
    public static async Task<ServiceInstance> StartAsync(
        string connectionString, Uri broker, IDictionary<string, string?>? overrides = null, Action<WebApplication>? extend = null,
        TimeProvider? clock = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var pki = TestPki.Instance;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["RabbitMq:Uri"] = broker.ToString(),
            ["Api:ListenAddress"] = "127.0.0.1",
            ["Api:HttpsPort"] = "0",
            ["Api:EnrollmentPort"] = "0",
            ["Api:HealthPort"] = "0",
            ["Api:ServerCertificate"] = pki.ServerCertificatePath,
            ["Api:ServerKey"] = pki.ServerKeyPath,
            ["Api:ClientCertificateAuthorities:0"] = pki.CaPath,
            ["Api:IssuingCertificate"] = pki.IssuingCertificatePath,
            ["Api:IssuingKey"] = pki.IssuingKeyPath,
            ["Devices:BootstrapAdminCertificate"] = pki.AdminCertificatePath,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var log = new RecentLog();
        var app = TrackTraceApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }

            configure?.Invoke(builder);
        });
        // After the service's own logging set-up, which clears the providers registered before it.
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        extend?.Invoke(app);
        await app.StartAsync();
        var addresses = app.Urls.Select(u => new Uri(u)).ToArray();
        // Kestrel lists its listeners in the order they were configured: the mTLS API, then enrollment.
        var https = addresses.Where(a => a.Scheme == "https").ToArray();
        Assert.Equal(2, https.Length);
        var health = addresses.Single(a => a.Scheme == "http");
        // The server certificate names localhost and 127.0.0.1; use the name, as scanners do.
        return new ServiceInstance(app, log, new UriBuilder(https[0]) { Host = "localhost" }.Uri,
            new UriBuilder(https[1]) { Host = "localhost" }.Uri, health);
    }

    /// <summary>A client of the enrollment listener: verifies the server against the root, presents nothing.</summary>
    public HttpClient EnrollmentClient() =>
        new(TrustedChannel.CreateHandler(TestPki.Instance.Ca, null)) { BaseAddress = EnrollmentAddress };

    public HttpClient Client(X509Certificate2? certificate) =>
        TrustedChannel.CreateClient(ApiAddress, TestPki.Instance.Ca, certificate);

    public HttpClient HealthClient() => new() { BaseAddress = HealthAddress };

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
