using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// A test class's own database and RabbitMQ virtual host with one service started on them, and the
/// admin's client.
/// </summary>
public class ServiceFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public Uri Broker { get; private set; } = null!;
    public ServiceInstance Service { get; private set; } = null!;
    public HttpClient Admin { get; protected set; } = null!;

    /// <summary>What an admin does over the API: stations, devices, shipments.</summary>
    public AdminApi Api { get; protected set; } = null!;

    protected virtual IDictionary<string, string?>? Overrides => null;

    /// <summary>The service's clock; the real one unless a test class needs to move time.</summary>
    protected virtual TimeProvider? Clock => null;
    /// <summary>Services a test class puts in before the service's own (e.g. a step of its own behind a seam).</summary>
    protected virtual Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? Configure => null;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestEnvironment.CreateDatabaseAsync();
        Broker = await TestEnvironment.CreateVirtualHostAsync();
        Service = await ServiceInstance.StartAsync(ConnectionString, Broker, Overrides, clock: Clock, configure: Configure);
        Admin = Service.Client(TestPki.Instance.Admin);
        Api = new AdminApi(Admin);
    }

    public virtual async Task DisposeAsync()
    {
        Admin.Dispose();
        await Service.DisposeAsync();
        await TestEnvironment.DeleteVirtualHostAsync(Broker);
        await TestEnvironment.DropDatabaseAsync(ConnectionString);
    }

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}".ToUpperInvariant();

    public static Task<HttpResponseMessage> ScanAsync(
        HttpClient scanner, string shipmentId, Guid? scanId = null, DateTimeOffset? at = null, string? stationId = null) =>
        scanner.PostAsJsonAsync("/api/scans", new
        {
            scanId = scanId ?? Guid.NewGuid(),
            shipmentId,
            stationId,
            scannedAt = at ?? DateTimeOffset.UtcNow,
        });

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} but got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls until the condition holds or the deadline passes; no fixed sleeps.</summary>
    public static async Task<T> Eventually<T>(Func<Task<T?>> probe, TimeSpan? within = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var value = await probe();
            if (value is not null && value is not false)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what ?? "the condition"}");
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }
}
