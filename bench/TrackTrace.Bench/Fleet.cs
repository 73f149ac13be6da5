using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TrackTrace.Pki;

namespace TrackTrace.Bench;

public sealed record Scanner(string DeviceId, string StationId, string StationType, X509Certificate2 Certificate, HttpClient Client);

public sealed record Sensor(string DeviceId, string ShipmentId, HttpClient Client);

/// <summary>The devices, stations and shipments a run needs, made over the real API as an admin would.</summary>
public sealed class Fleet(Uri api, string pkiDirectory, string runId)
{
    public static readonly string[] OceanLegs = ["factory", "truck", "customs", "port", "customs", "truck", "destination"];
    private static readonly string[] StationTypes = ["factory", "truck", "customs", "port", "destination"];

    private readonly CertificateAuthority _ca = CertificateAuthority.Load(pkiDirectory);
    private int _shipments;

    public X509Certificate2 CaCertificate => _ca.Certificate;

    public HttpClient Admin { get; } = TrustedChannel.CreateClient(api, CertificateAuthority.Load(pkiDirectory).Certificate,
        TrustedChannel.LoadCertificate(Path.Combine(pkiDirectory, "admin.crt"), Path.Combine(pkiDirectory, "admin.key")));

    public List<Scanner> Scanners { get; } = [];

    public HttpClient Client(X509Certificate2 certificate, Uri? service = null) =>
        TrustedChannel.CreateClient(service ?? api, _ca.Certificate, certificate);

    /// <summary>Scanners spread over the station types of the ocean-reefer route, each at a station of its own.</summary>
    /// <param name="position">Where scanner n's station is (latitude, longitude); none when not given.</param>
    public async Task<IReadOnlyList<Scanner>> AddScannersAsync(int count, Func<int, (double Latitude, double Longitude)>? position = null)
    {
        var start = Scanners.Count;
        var added = new Scanner[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var n = start + i;
            var type = StationTypes[n % StationTypes.Length];
            var station = $"B{runId}-{type.ToUpperInvariant()}-{n:0000}";
            object body = position?.Invoke(n) is { } at
                ? new { stationId = station, type, name = station, latitude = at.Latitude, longitude = at.Longitude }
                : new { stationId = station, type, name = station };
            await Expect(await Admin.PostAsJsonAsync("/api/stations", body, ct), HttpStatusCode.Created);
            var deviceId = $"b{runId}-scanner-{n:0000}";
            var certificate = _ca.IssueClientCertificate(deviceId);
            await Expect(await Admin.PostAsJsonAsync("/api/devices", new
            {
                deviceId, role = "scanner", stationId = station, certificate = certificate.ExportCertificatePem(),
            }, ct), HttpStatusCode.Created);
            added[i] = new Scanner(deviceId, station, type, certificate, Client(certificate));
        });
        Scanners.AddRange(added);
        return added;
    }

    public async Task<IReadOnlyList<string>> RegisterShipmentsAsync(int count, string route = "ocean-reefer")
    {
        var ids = Enumerable.Range(0, count).Select(_ => $"B{runId}-{Interlocked.Increment(ref _shipments):000000}").ToArray();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
            await Expect(await Admin.PostAsJsonAsync("/api/shipments", new { shipmentId = id, route }, ct), HttpStatusCode.Created));
        return ids;
    }

    /// <summary>Sensors enrolled so far (each one a device in the store, like the scanners).</summary>
    public int SensorCount { get; private set; }

    public async Task<IReadOnlyList<Sensor>> AddSensorsAsync(int count)
    {
        SensorCount += count;
        var shipments = await RegisterShipmentsAsync(count);
        var sensors = new Sensor[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var deviceId = $"b{runId}-sensor-{i:0000}";
            var certificate = await EnrollAsync(deviceId, "sensor", ct);
            await Expect(await Admin.PostAsJsonAsync($"/api/shipments/{shipments[i]}/sensors", new { deviceId }, ct), HttpStatusCode.OK);
            sensors[i] = new Sensor(deviceId, shipments[i], Client(certificate));
        });
        return sensors;
    }

    /// <summary>Staff devices enrolled so far.</summary>
    public int StaffCount { get; private set; }

    /// <summary>Staff devices, each with a certificate of its own and its own client (so its own connection).</summary>
    public async Task<IReadOnlyList<HttpClient>> AddStaffAsync(int count)
    {
        var start = StaffCount;
        StaffCount += count;
        var clients = new HttpClient[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            clients[i] = Client(await EnrollAsync($"b{runId}-staff-{start + i:0000}", "staff", ct));
        });
        return clients;
    }

    /// <summary>A device of a role without a station, enrolled by the admin with a certificate of its own.</summary>
    private async Task<X509Certificate2> EnrollAsync(string deviceId, string role, CancellationToken ct)
    {
        var certificate = _ca.IssueClientCertificate(deviceId);
        await Expect(await Admin.PostAsJsonAsync("/api/devices", new
        {
            deviceId, role, certificate = certificate.ExportCertificatePem(),
        }, ct), HttpStatusCode.Created);
        return certificate;
    }

    public static StringContent ScanBody(string shipmentId) => new(
        $"{{\"scanId\":\"{Guid.NewGuid()}\",\"shipmentId\":\"{shipmentId}\",\"scannedAt\":\"{DateTimeOffset.UtcNow:O}\"}}",
        Encoding.UTF8, "application/json");

    public static async Task Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
