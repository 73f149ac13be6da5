using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Demo;

/// <summary>A device the demo speaks as: its id, its role and its own mutual-TLS client.</summary>
internal sealed record DemoDevice(string Id, string Role, HttpClient Client);

/// <summary>
/// The demo's hands on the service: the admin's moves and the devices' requests, each over its own
/// mutual-TLS channel that verifies the server against the CA. Scanners and sensors enroll
/// themselves as a device in the field does (their own key, the one-time token, EST on
/// <paramref name="enrollment"/>); only the staff certificate for a browser is made by the CA here.
/// Every request states the answer it expects; anything else stops the demo with the problem+json
/// detail. Each step prints one line: status, who, what.
/// </summary>
internal sealed class DemoOperator(Uri api, Uri enrollment, CertificateAuthority authority, TextWriter log) : IDisposable
{
    private const int StatusWidth = 20;
    private const int WhoWidth = 40;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<IDisposable> _owned = [];

    public DemoDevice Connect(string deviceId, string role, X509Certificate2 certificate)
    {
        var client = TrustedChannel.CreateClient(api, authority.Certificate, certificate);
        _owned.Add(client);
        return new DemoDevice(deviceId, role, client);
    }

    public void Section(string title)
    {
        log.WriteLine();
        log.WriteLine(title);
    }

    /// <summary>The heading of the step lines.</summary>
    public void Columns() => Step("status", "who", "what");

    public void Step(string status, string who, string what) =>
        log.WriteLine($"  {status.PadRight(StatusWidth)} {who.PadRight(WhoWidth)} {what}");

    public async Task RegisterStationAsync(DemoDevice admin, DemoStation station, CancellationToken ct)
    {
        var answer = await CallAsync(admin, HttpMethod.Post, "/api/stations",
            new { stationId = station.Id, type = station.Type, name = station.Name },
            $"register station {station.Id}", [Expected.Created, Expected.Conflict("station-exists")], ct);
        Step(answer.IsProblem ? $"{answer.Code} {answer.ProblemSlug}" : $"{answer.Code} registered", admin.Id,
            $"station {station.Id} ({station.Type}){(answer.IsProblem ? ", there from an earlier run" : "")}");
    }

    /// <summary>
    /// The admin registers <paramref name="deviceId"/> pending and hands its one-time token over; the
    /// device makes its P-256 key, which never leaves it, and enrolls over EST with the token.
    /// </summary>
    public async Task<DemoDevice> RegisterAndEnrollAsync(
        DemoDevice admin, string role, string deviceId, DemoStation? station, CancellationToken ct)
    {
        var registered = await CallAsync(admin, HttpMethod.Post, "/api/devices", new { deviceId, role, stationId = station?.Id },
            $"register {role} {deviceId}", [Expected.Created], ct);
        var token = registered.Text("enrollmentToken")
                    ?? throw new DemoStepFailedException($"register {role} {deviceId}: the answer carries no enrollmentToken");
        Step($"{registered.Code} registered", admin.Id,
            $"{role} {deviceId}{(station is null ? "" : $" at {station.Id}")}, pending, one-time token handed over");

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var channel = new HttpClient(TrustedChannel.CreateHandler(authority.Certificate, null)) { BaseAddress = enrollment };
        // The PEM chain: the certificate, then the issuing CA that links it to the root the demo trusts.
        var issued = await new EstClient(channel).SimpleEnrollAsync(deviceId, token, DeviceKeys.SigningRequest(key, deviceId), pemChain: true, ct: ct);
        using (issued.Certificate)
        {
            EstClient.VerifyIssued(issued.Certificate, deviceId, authority.Certificate, issued.Chain);
            var certificate = DeviceKeys.Attach(issued.Certificate, key);
            _owned.Add(certificate);
            Step("200 enrolled", deviceId,
                $"its own key over EST ({enrollment.Authority}), certificate {Fingerprint.Sha256Hex(certificate)[..16]}... from the issuing CA");
            return Connect(deviceId, role, certificate);
        }
    }

    /// <summary>Issues a fresh certificate from the CA for <paramref name="deviceId"/> and enrolls it (a browser's, which speaks no EST).</summary>
    public async Task<(DemoDevice Device, X509Certificate2 Certificate)> EnrollAsync(
        DemoDevice admin, string role, string deviceId, DemoStation? station, CancellationToken ct)
    {
        var certificate = authority.IssueClientCertificate(deviceId);
        _owned.Add(certificate);
        var answer = await CallAsync(admin, HttpMethod.Post, "/api/devices",
            new { deviceId, role, stationId = station?.Id, certificate = certificate.ExportCertificatePem() },
            $"enroll {role} {deviceId}", [Expected.Created], ct);
        Step($"{answer.Code} enrolled", admin.Id,
            $"{role} {deviceId}{(station is null ? "" : $" at {station.Id}")}, certificate {Fingerprint.Sha256Hex(certificate)[..16]}...");
        return (Connect(deviceId, role, certificate), certificate);
    }

    public async Task RegisterShipmentAsync(DemoDevice admin, Journey journey, CancellationToken ct)
    {
        var answer = await CallAsync(admin, HttpMethod.Post, "/api/shipments",
            new { shipmentId = journey.ShipmentId, route = journey.Route, description = journey.Description },
            $"register shipment {journey.ShipmentId}", [Expected.Created], ct);
        Step($"{answer.Code} registered", admin.Id, $"shipment {journey.ShipmentId} on {journey.Route}: {journey.Description}");
    }

    public async Task AttachSensorAsync(DemoDevice admin, Journey journey, DemoDevice sensor, CancellationToken ct)
    {
        var answer = await CallAsync(admin, HttpMethod.Post, $"/api/shipments/{journey.ShipmentId}/sensors",
            new { deviceId = sensor.Id }, $"attach sensor {sensor.Id} to {journey.ShipmentId}", [Expected.Ok], ct);
        Step($"{answer.Code} attached", admin.Id, $"sensor {sensor.Id} to {journey.ShipmentId}");
    }

    /// <summary>A check-in the route allows; on the last leg it delivers the shipment.</summary>
    public async Task CheckInAsync(DemoDevice scanner, Journey journey, int leg, DateTimeOffset at, CancellationToken ct)
    {
        var station = journey.Legs[leg];
        var answer = await ScanAsync(scanner, journey, station, at, Expected.Created, ct);
        var delivered = journey.IsLastLeg(leg);
        var status = answer.Text("shipmentStatus");
        if (answer.Text("status") != "accepted" || (delivered ? status != "delivered" : status != "in-transit"))
        {
            throw Unexpected($"scan of {journey.ShipmentId} at {station.Id}",
                $"an accepted scan and the shipment {(delivered ? "delivered" : "in transit")}", answer);
        }

        var refused = answer.Text("delivery") == "refused";
        Step($"{answer.Code} {(delivered ? "delivered" : "accepted")}", scanner.Id,
            $"scan {journey.ShipmentId} at {station.Id} {Time(at)}: leg {leg + 1} of {journey.Legs.Count}" +
            (refused ? ", delivery refused (cold chain broken)" : ""));
    }

    /// <summary>The destination's scan of a shipment whose cold chain broke: refused, as the rules say.</summary>
    public async Task DeliveryRefusedAsync(DemoDevice scanner, Journey journey, DateTimeOffset at, CancellationToken ct)
    {
        var station = journey.Legs[^1];
        var answer = await ScanAsync(scanner, journey, station, at, Expected.Conflict("delivery-refused"), ct);
        Step($"{answer.Code} {answer.ProblemSlug}", scanner.Id,
            $"scan {journey.ShipmentId} at {station.Id} {Time(at)}: refused as it should be: {answer.Detail}");
    }

    /// <summary>A scan at a station that is not next: recorded as an anomaly, answered 409, shipment stays put.</summary>
    public async Task OutOfSequenceAsync(DemoDevice scanner, Journey journey, Detour detour, CancellationToken ct)
    {
        var answer = await ScanAsync(scanner, journey, detour.Station, detour.At, Expected.Conflict("out-of-sequence"), ct);
        Step($"{answer.Code} {answer.ProblemSlug}", scanner.Id,
            $"scan {journey.ShipmentId} at {detour.Station.Id} {Time(detour.At)}, too early on purpose: {answer.Detail}");
    }

    /// <summary>
    /// A sensor's batch of readings. <paramref name="breachExpected"/> says whether the shipment's
    /// cold chain must be broken once the batch is in; the demo stops when the service disagrees.
    /// </summary>
    public async Task SendReadingsAsync(
        DemoDevice sensor, Journey journey, IReadOnlyList<Reading> readings, bool breachExpected, CancellationToken ct)
    {
        var answer = await CallAsync(sensor, HttpMethod.Post, $"/api/shipments/{journey.ShipmentId}/temperature-readings",
            new { readings = readings.Select(r => new { at = r.At, celsius = r.Celsius }) },
            $"{readings.Count} readings for {journey.ShipmentId}", [Expected.Ok], ct);
        var breached = answer.Flag("breached");
        var delivery = answer.Text("delivery");
        if (breached != breachExpected || delivery != (breachExpected ? "refused" : "accepted"))
        {
            throw Unexpected($"readings for {journey.ShipmentId} up to {Time(readings[^1].At)}",
                breachExpected ? "the cold chain broken and delivery refused" : "the cold chain intact and delivery accepted", answer);
        }

        var outside = answer.Number("minutesOutside") ?? 0;
        Step($"{answer.Code} stored {answer.Number("stored"):0}", sensor.Id,
            $"readings {Time(readings[0].At)}-{Time(readings[^1].At)} every {TemperatureTrace.Interval.TotalMinutes:0} min, " +
            $"{readings.Min(r => r.Celsius).ToString("0.0", CultureInfo.InvariantCulture)}-{readings.Max(r => r.Celsius).ToString("0.0", CultureInfo.InvariantCulture)} °C: " +
            $"{outside:0} min outside 2-8 °C{(breachExpected ? ", cold chain BROKEN, delivery refused" : "")}");
    }

    /// <summary>Sends the request and returns the answer when it is one of <paramref name="expected"/>; throws otherwise.</summary>
    public async Task<ApiAnswer> CallAsync(
        DemoDevice who, HttpMethod method, string path, object? body, string what, IReadOnlyList<Expected> expected,
        CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        using var response = await who.Client.SendAsync(request, ct);
        var raw = await response.Content.ReadAsStringAsync(ct);
        var answer = new ApiAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, Parse(raw), raw);
        if (!expected.Any(e => e.Matches(answer)))
        {
            throw Unexpected($"{what} ({method} {path} as {who.Id})", string.Join(" or ", expected), answer);
        }

        return answer;
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm'Z'", CultureInfo.InvariantCulture);

    private Task<ApiAnswer> ScanAsync(
        DemoDevice scanner, Journey journey, DemoStation station, DateTimeOffset at, Expected expected, CancellationToken ct) =>
        CallAsync(scanner, HttpMethod.Post, "/api/scans",
            new { scanId = Guid.NewGuid(), shipmentId = journey.ShipmentId, scannedAt = at },
            $"scan of {journey.ShipmentId} at {station.Id}", [expected], ct);

    private static JsonElement Parse(string raw)
    {
        if (raw.Length == 0)
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(raw);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static DemoStepFailedException Unexpected(string step, string expected, ApiAnswer answer) =>
        new($"{step}: expected {expected}, the service answered {answer.Describe()}", answer.Status, answer.ProblemType, answer.Detail);
}
