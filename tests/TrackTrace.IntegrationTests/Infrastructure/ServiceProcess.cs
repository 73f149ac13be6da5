using System.Diagnostics;
using System.Text;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// The service as an operating-system process (the built TrackTrace.Api.dll), for tests that kill
/// it without warning, as a crash or an OOM kill would.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, int apiPort, int healthPort)
    {
        _process = process;
        ApiAddress = new Uri($"https://localhost:{apiPort}/");
        HealthAddress = new Uri($"http://127.0.0.1:{healthPort}/");
    }

    public Uri ApiAddress { get; }
    public Uri HealthAddress { get; }
    public string Output => _output.ToString();

    public int ApiPort => ApiAddress.Port;
    public int HealthPort => HealthAddress.Port;
    public bool HasExited => _process.HasExited;

    /// <param name="environment">More settings, as environment variables (e.g. Logging__Console__FormatterName).</param>
    /// <param name="apiPort">The mTLS port, e.g. to start again where a balancer expects it; a free one otherwise.</param>
    /// <param name="healthPort">The /health port likewise.</param>
    public static async Task<ServiceProcess> StartAsync(
        string connectionString, Uri broker, IReadOnlyDictionary<string, string>? environment = null,
        int? apiPort = null, int? healthPort = null)
    {
        var pki = TestPki.Instance;
        apiPort ??= PrivateRabbitMq.FreePort();
        healthPort ??= PrivateRabbitMq.FreePort();
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "TrackTrace.Api.dll"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["RabbitMq__Uri"] = broker.ToString();
        start.Environment["Api__ListenAddress"] = "127.0.0.1";
        start.Environment["Api__HttpsPort"] = apiPort.ToString();
        start.Environment["Api__HealthPort"] = healthPort.ToString();
        start.Environment["Api__EnrollmentPort"] = PrivateRabbitMq.FreePort().ToString();
        start.Environment["Api__ServerCertificate"] = pki.ServerCertificatePath;
        start.Environment["Api__ServerKey"] = pki.ServerKeyPath;
        start.Environment["Api__ClientCertificateAuthorities__0"] = pki.CaPath;
        start.Environment["Api__IssuingCertificate"] = pki.IssuingCertificatePath;
        start.Environment["Api__IssuingKey"] = pki.IssuingKeyPath;
        start.Environment["Devices__BootstrapAdminCertificate"] = pki.AdminCertificatePath;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var service = new ServiceProcess(process, apiPort.Value, healthPort.Value);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var health = new HttpClient { BaseAddress = service.HealthAddress, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await ServiceFixture.Eventually(async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the service exited with {process.ExitCode}: {service.Output}");
                }

                try
                {
                    return (await health.GetAsync("health")).IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet, or slower than the client's timeout on a loaded machine: ask again.
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "the service process to answer /health");
        }
        catch
        {
            // The caller never gets the process to dispose: it must not outlive the test run.
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    public HttpClient Client(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        TrustedChannel.CreateClient(ApiAddress, TestPki.Instance.Ca, certificate);

    /// <summary>SIGKILL: no shutdown hooks, no flushing, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
