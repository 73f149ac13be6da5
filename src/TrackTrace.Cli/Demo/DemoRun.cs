using System.Security.Cryptography;
using TrackTrace.Pki;

namespace TrackTrace.Cli.Demo;

/// <summary>
/// <c>tracktrace demo</c>: fills a running service with a small, true story over real mutual TLS,
/// as the admin of <c>&lt;pki&gt;/admin.crt</c>. It registers the demo stations, enrolls fresh
/// scanners, sensors and a staff device from the CA, and drives four shipments: an ocean reefer
/// kept cold and delivered, one whose cold chain breaks at the port and whose delivery is refused,
/// a road shipment delivered, and one scanned once out of sequence before going on correctly.
/// Ids are new on every run, so it can run again against the same service.
/// </summary>
public static class DemoRun
{
    /// <summary>The staff PKCS#12 has no password: it is a development PKI and browsers import it as is.</summary>
    public const string StaffPkcs12Password = "";

    /// <summary>Base name of the staff device's files in the PKI directory: <c>demo-staff.crt</c>, <c>.key</c>, <c>.p12</c>.</summary>
    public const string StaffFileName = "demo-staff";

    /// <summary>ocean-reefer's <c>allowanceMinutes</c>; the demo predicts the breach from it and stops if the service disagrees.</summary>
    private static readonly TimeSpan Allowance = TimeSpan.FromMinutes(30);

    /// <param name="enrollment">The service's EST enrollment listener (port 8444 by default), where scanners and sensors enroll.</param>
    public static Task<DemoResult> RunAsync(Uri api, Uri enrollment, string pkiDirectory, TextWriter log, CancellationToken ct) =>
        RunAsync(api, enrollment, pkiDirectory, log, TimeProvider.System, ct);

    internal static async Task<DemoResult> RunAsync(
        Uri api, Uri enrollment, string pkiDirectory, TextWriter log, TimeProvider clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(enrollment);
        ArgumentException.ThrowIfNullOrEmpty(pkiDirectory);
        ArgumentNullException.ThrowIfNull(log);
        var pki = Path.GetFullPath(pkiDirectory);
        var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        using var authority = CertificateAuthority.Load(pki);
        using var adminCertificate = PemFiles.ReadCertificateWithKey(Path.Combine(pki, "admin.crt"), Path.Combine(pki, "admin.key"));
        using var desk = new DemoOperator(api, enrollment, authority, log);
        var admin = desk.Connect("admin", "admin", adminCertificate);
        log.WriteLine($"TrackTrace demo run {run} against {api} as admin ({Path.Combine(pki, "admin.crt")}), trusting only {Path.Combine(pki, "ca.crt")}");
        desk.Columns();

        desk.Section("Stations");
        foreach (var station in DemoNetwork.Stations)
        {
            await desk.RegisterStationAsync(admin, station, ct);
        }

        desk.Section("Scanners: registered by the admin, enrolled by themselves over EST with their own keys; staff: a certificate for a browser");
        var scanners = new Dictionary<string, DemoDevice>();
        foreach (var station in DemoNetwork.Stations)
        {
            scanners[station.Id] = await desk.RegisterAndEnrollAsync(admin, "scanner", $"demo-scanner-{station.ShortName}-{run}", station, ct);
        }

        var (staff, staffFiles) = await EnrollStaffAsync(desk, admin, pki, run, ct);

        // Journeys end on the last whole minute and began hours before; the destination scan is made "now".
        var end = Journey.WholeMinutes(clock.GetUtcNow());
        var plan = Plan(run, end);
        var sensorNumber = 0;
        foreach (var journey in plan.All)
        {
            await DriveAsync(desk, admin, scanners, journey, journey.Temperatures is null ? null : $"demo-sensor-{++sensorNumber}-{run}", clock, ct);
        }

        desk.Section($"What staff see, as {staff.Id} (GET /api/shipments/{{id}})");
        await ShowAsync(desk, staff, plan.OceanDelivered, "delivered", delivery: "accepted", anomalies: 0, ct);
        await ShowAsync(desk, staff, plan.OceanBreached, "refused", delivery: "refused", anomalies: 0, ct);
        await ShowAsync(desk, staff, plan.RoadDelivered, "delivered", delivery: "accepted", anomalies: 0, ct);
        await ShowAsync(desk, staff, plan.OutOfSequence, "delivered", delivery: "accepted", anomalies: 1, ct);

        var result = new DemoResult(plan.OceanBreached.ShipmentId, plan.OceanDelivered.ShipmentId, plan.RoadDelivered.ShipmentId,
            plan.OutOfSequence.ShipmentId, staffFiles.CertificatePath, staffFiles.KeyPath, Path.Combine(pki, StaffFileName + ".p12"),
            plan.All.Select(j => j.ShipmentId).ToArray());
        Summarize(log, api, pki, plan, result);
        return result;
    }

    private sealed record DemoPlan(Journey OceanDelivered, Journey OceanBreached, Journey RoadDelivered, Journey OutOfSequence)
    {
        public IReadOnlyList<Journey> All => [OceanDelivered, OceanBreached, RoadDelivered, OutOfSequence];
    }

    private static DemoPlan Plan(string run, DateTimeOffset end)
    {
        var tag = run.ToUpperInvariant();

        var deliveredStart = end - TimeSpan.FromHours(8);
        var delivered = new Journey("Ocean reefer, kept between 2 and 8 °C, delivered", Sscc.New(), "ocean-reefer",
            "Demo: insulin pens, 40 ft reefer, Rotterdam to Singapore", DemoNetwork.OceanReefer,
            Journey.Schedule(deliveredStart, end, Journey.OceanReeferShares), end,
            new TemperatureTrace(deliveredStart, RandomNumberGenerator.GetInt32(1_000_000)));

        // The reefer unit fails 40 minutes after the port check-in and is repaired 48 minutes later.
        var breachedStart = end - TimeSpan.FromHours(7);
        var breachedCheckIns = Journey.Schedule(breachedStart, end, Journey.OceanReeferShares);
        var atPort = breachedCheckIns[DemoNetwork.LegOf(DemoNetwork.OceanReefer, DemoNetwork.Rotterdam)];
        var failure = new ReeferFailure(TemperatureTrace.OnGrid(breachedStart, atPort + TimeSpan.FromMinutes(40)), TimeSpan.FromMinutes(48));
        var breached = new Journey("Ocean reefer, 48 minutes too warm at the port, delivery refused", $"DEMO-{tag}-REEFER-WARM",
            "ocean-reefer", "Demo: vaccines, 40 ft reefer, Rotterdam to Singapore", DemoNetwork.OceanReefer, breachedCheckIns, end,
            new TemperatureTrace(breachedStart, RandomNumberGenerator.GetInt32(1_000_000), failure));

        var roadStart = end - TimeSpan.FromHours(3);
        var road = new Journey("Road, domestic, delivered", $"DEMO-{tag}-ROAD", "road-domestic",
            "Demo: bicycle parts, Eindhoven to Amsterdam", DemoNetwork.RoadDomestic,
            Journey.Schedule(roadStart, end, Journey.RoadDomesticShares), end);

        // The port scans the container before export customs has cleared it, then all goes by the book.
        var detourStart = end - TimeSpan.FromHours(6);
        var detourCheckIns = Journey.Schedule(detourStart, end, Journey.OceanReeferShares);
        var exportCustoms = DemoNetwork.LegOf(DemoNetwork.OceanReefer, DemoNetwork.ExportCustoms);
        var tooEarly = Journey.WholeSeconds(detourCheckIns[exportCustoms - 1] + (detourCheckIns[exportCustoms] - detourCheckIns[exportCustoms - 1]) / 2);
        var outOfSequence = new Journey("Ocean reefer, scanned at the port before export customs, then delivered",
            $"DEMO-{tag}-OUT-OF-SEQ", "ocean-reefer", "Demo: blood plasma, 20 ft reefer, Rotterdam to Singapore",
            DemoNetwork.OceanReefer, detourCheckIns, end,
            new TemperatureTrace(detourStart, RandomNumberGenerator.GetInt32(1_000_000)),
            new Detour(DemoNetwork.Rotterdam, tooEarly, BeforeLeg: exportCustoms));

        return new DemoPlan(delivered, breached, road, outOfSequence);
    }

    private static async Task<(DemoDevice Staff, WrittenFiles Files)> EnrollStaffAsync(
        DemoOperator desk, DemoDevice admin, string pki, string run, CancellationToken ct)
    {
        var (staff, certificate) = await desk.EnrollAsync(admin, "staff", $"demo-staff-{run}", null, ct);
        var files = PemFiles.WriteCertificateAndKey(pki, StaffFileName, certificate);
        PemFiles.WritePkcs12(Path.Combine(pki, StaffFileName + ".p12"), certificate, StaffPkcs12Password);
        desk.Step("written", staff.Id, $"{files.CertificatePath}, .key and .p12 (no password) for a browser");
        return (staff, files);
    }

    private static async Task DriveAsync(
        DemoOperator desk, DemoDevice admin, IReadOnlyDictionary<string, DemoDevice> scanners, Journey journey,
        string? sensorId, TimeProvider clock, CancellationToken ct)
    {
        desk.Section($"{journey.Title}: {journey.ShipmentId}");
        await desk.RegisterShipmentAsync(admin, journey, ct);
        DemoDevice? sensor = null;
        if (sensorId is not null)
        {
            sensor = await desk.RegisterAndEnrollAsync(admin, "sensor", sensorId, null, ct);
            await desk.AttachSensorAsync(admin, journey, sensor, ct);
        }

        var breachAt = journey.Temperatures?.Failure is { } failure ? failure.From + Allowance : (DateTimeOffset?)null;
        var broken = false;
        for (var leg = 0; leg < journey.Legs.Count; leg++)
        {
            if (journey.Detour is { } detour && detour.BeforeLeg == leg)
            {
                await desk.OutOfSequenceAsync(scanners[detour.Station.Id], journey, detour, ct);
            }

            var scanner = scanners[journey.Legs[leg].Id];
            if (!journey.IsLastLeg(leg))
            {
                await desk.CheckInAsync(scanner, journey, leg, journey.CheckIns[leg], ct);
            }
            else
            {
                // Now, not the planned end: after the registration and the sensor attachment, which
                // the service stamps with its own clock, so the delivery (or its refusal) ends the timeline.
                var now = clock.GetUtcNow();
                if (broken)
                {
                    await desk.DeliveryRefusedAsync(scanner, journey, now, ct);
                }
                else
                {
                    await desk.CheckInAsync(scanner, journey, leg, now, ct);
                }
            }

            var readings = journey.ReadingsOnLeg(leg);
            if (readings.Count > 0)
            {
                broken = readings[^1].At > breachAt;
                await desk.SendReadingsAsync(sensor!, journey, readings, broken, ct);
            }
        }
    }

    private static async Task ShowAsync(
        DemoOperator desk, DemoDevice staff, Journey journey, string status, string delivery, int anomalies, CancellationToken ct)
    {
        var answer = await desk.CallAsync(staff, HttpMethod.Get, $"/api/shipments/{journey.ShipmentId}", null,
            $"look up {journey.ShipmentId}", [Expected.Ok], ct);
        var seen = answer.Body;
        var seenDelivery = seen.GetProperty("attributes").TryGetProperty("delivery", out var d) ? d.GetString() : null;
        var seenAnomalies = seen.GetProperty("anomalyCount").GetInt32();
        if (answer.Text("status") != status || seenDelivery != delivery || seenAnomalies != anomalies)
        {
            throw new DemoStepFailedException(
                $"staff see {journey.ShipmentId} as {answer.Text("status")}, delivery {seenDelivery}, {seenAnomalies} anomalies; " +
                $"the demo expected {status}, delivery {delivery}, {anomalies} anomalies");
        }

        desk.Step($"{answer.Code} {status}", staff.Id,
            $"{journey.ShipmentId} ({journey.Route}): delivery {seenDelivery}, {seenAnomalies} anomal{(seenAnomalies == 1 ? "y" : "ies")}, " +
            $"breached {seen.GetProperty("breached").GetBoolean().ToString().ToLowerInvariant()}");
    }

    private static void Summarize(TextWriter log, Uri api, string pki, DemoPlan plan, DemoResult result)
    {
        var root = new Uri(api, "/");
        log.WriteLine();
        log.WriteLine("Done. Shipments of this run:");
        foreach (var journey in plan.All)
        {
            log.WriteLine($"  {journey.ShipmentId,-26} {journey.Title}");
        }

        log.WriteLine();
        log.WriteLine($"Staff certificate for a browser: {result.StaffPkcs12Path} (PKCS#12, no password)");
        log.WriteLine($"  PEM: {result.StaffCertificatePath}, {result.StaffKeyPath}");
        log.WriteLine($"Staff page: {root}");
        log.WriteLine($"Swagger:    {new Uri(root, "swagger")}");
        log.WriteLine($"Timeline:   curl --cacert {Path.Combine(pki, "ca.crt")} --cert {result.StaffCertificatePath} --key {result.StaffKeyPath} " +
                      $"{new Uri(root, $"api/shipments/{result.OceanBreached}/timeline")}");
    }
}
