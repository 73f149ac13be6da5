using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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

    private ServiceInstance(WebApplication app, Uri api, Uri health)
    {
        _app = app;
        ApiAddress = api;
        HealthAddress = health;
    }

    public Uri ApiAddress { get; }
    public Uri HealthAddress { get; }
    public IServiceProvider Services => _app.Services;

    /// <param name="extend">Maps extra endpoints before the service starts, for tests of a mechanism no shipped endpoint uses yet.</param>
    /// <param name="clock">The service's clock instead of the system's (a <see cref="TestClock"/>).</param>
    public static async Task<ServiceInstance> StartAsync(
        string connectionString, Uri broker, IDictionary<string, string?>? overrides = null, Action<WebApplication>? extend = null,
        TimeProvider? clock = null)
    {
        var pki = TestPki.Instance;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["RabbitMq:Uri"] = broker.ToString(),
            ["Api:ListenAddress"] = "127.0.0.1",
            ["Api:HttpsPort"] = "0",
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

        var app = TrackTraceApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }
        });
        extend?.Invoke(app);
        await app.StartAsync();
        var addresses = app.Urls.Select(u => new Uri(u)).ToArray();
        var api = addresses.Single(a => a.Scheme == "https");
        var health = addresses.Single(a => a.Scheme == "http");
        // The server certificate names localhost and 127.0.0.1; use the name, as scanners do.
        return new ServiceInstance(app, new UriBuilder(api) { Host = "localhost" }.Uri, health);
    }

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
