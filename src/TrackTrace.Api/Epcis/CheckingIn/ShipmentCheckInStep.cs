using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Api.Shipments;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Epcis;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Epcis.CheckingIn;

/// <summary>
/// The trust gate between EPCIS and the shipments. An event that names a registered shipment (an
/// SSCC, or the export's URN) at a registered station (a GLN, or the export's URN) is a check-in by
/// the capturing device and is judged exactly as <c>POST /api/scans</c> is, by
/// <see cref="ShipmentDecider.CheckIn"/>: sequence enforced, an out-of-sequence scan recorded as an
/// anomaly with its alert, the delivery refused after a breach. A device captures only within its
/// authority: a scanner for its own station, a partner for the stations it serves, an admin for any;
/// a sensor's temperature reports feed the cold chain of the shipments it is attached to, and a
/// scanner's count at its accepted check-in. Everything is written in the capture's transaction
/// (a savepoint per event), so it commits or rolls back with the events.
/// </summary>
public sealed class ShipmentCheckInStep(
    ShipmentStreams streams, CaptureAuthority authority, RouteCatalog routes, ColdChainLedger ledger,
    IOptions<ApiOptions> api, IOptions<MonitoringOptions> monitoring, TimeProvider clock) : ICapturedEventStep
{
    private readonly TravelLimits? _travel = monitoring.Value.Travel();

    public const string CheckedIn = "checked-in";
    public const string OutOfSequence = "out-of-sequence";
    public const string DeliveryRefused = "delivery-refused";

    private const int MaxAttempts = 5;

    public async ValueTask<EventOutcome> ApplyAsync(CaptureContext capture, StoredCapture stored, CancellationToken ct)
    {
        var e = stored.Event.Indexed;
        var device = await authority.DeviceAsync(capture.DeviceId, ct);
        var station = await authority.StationOfAsync(e, ct);
        if (device is null)
        {
            return EventOutcome.Stored;
        }

        if (CaptureAuthority.OutsideAuthority(device, station) is { } refusal)
        {
            return new EventOutcome("refused", Detail: refusal, Failed: true, Status: StatusCodes.Status403Forbidden);
        }

        var shipmentIds = EpcisSubjects.ShipmentsOf(e);
        if (shipmentIds.Count == 0)
        {
            return EventOutcome.Stored;
        }

        await capture.Transaction.SaveAsync("shipment-step", ct);
        var outcomes = new List<(string Shipment, string Outcome)>();
        foreach (var shipmentId in shipmentIds)
        {
            var (outcome, failure) = device.Role == DeviceRole.Sensor
                ? await ReportAsync(capture, e, device, shipmentId, ct)
                : await CheckInAsync(capture, e, device, station, shipmentId, ct);
            if (failure is not null)
            {
                await capture.Transaction.RollbackAsync("shipment-step", ct);
                return failure;
            }

            if (outcome is not null)
            {
                outcomes.Add((shipmentId, outcome));
            }
        }

        if (outcomes.Count == 0)
        {
            return EventOutcome.Stored;
        }

        // The most telling outcome names the event; the detail says what happened to each shipment.
        var worst = outcomes.OrderBy(o => Rank(o.Outcome)).First().Outcome;
        return new EventOutcome(worst, string.Join(",", outcomes.Select(o => o.Shipment)),
            outcomes.Count == 1 ? null : string.Join("; ", outcomes.Select(o => $"{o.Shipment}: {o.Outcome}")));
    }

    private async Task<(string? Outcome, EventOutcome? Failure)> CheckInAsync(
        CaptureContext capture, IndexedEvent e, Device device, Station? station, string shipmentId, CancellationToken ct)
    {
        var isCheckIn = station is not null && e.Type is "ObjectEvent" or "TransactionEvent" or "AggregationEvent" &&
                        e.Action is null or "OBSERVE" or "ADD";
        if (!isCheckIn)
        {
            return (null, null);
        }

        var receivedAt = clock.GetUtcNow();
        if (api.Value.EventTimes.Problem(e.EventTime, receivedAt) is { } timeProblem)
        {
            return (null, new EventOutcome("refused", shipmentId, $"eventTime {timeProblem}", Failed: true,
                Status: StatusCodes.Status400BadRequest));
        }

        var celsius = device.Role == DeviceRole.Scanner
            ? e.SensorReports.Select(r => EpcisSubjects.CelsiusOf(r, 0)).FirstOrDefault(c => c is not null)
            : null;
        var command = new CheckInShipment(ScanId(e.EventId, shipmentId), station!.StationId, station.Type, device.DeviceId,
            e.EventTime, receivedAt, celsius, station.Position);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadInTransactionAsync(capture.Transaction, shipmentId, ct);
            if (shipment is null)
            {
                return (null, null);
            }

            var workflow = routes.Get(shipment.RouteId);
            var decision = ShipmentDecider.CheckIn(shipment, workflow, command, _travel);
            await capture.Transaction.SaveAsync("check-in", ct);
            var appended = decision.Reading is { } reading && workflow.Route.ColdChain is { } profile
                ? (await ledger.RecordInTransactionAsync(capture.Connection, capture.Transaction, shipment, profile, reading.SensorId,
                    [new ReadingInput(reading.At, reading.Celsius, Alarm(e))], requireAttachment: false, decision.Events, null,
                    receivedAt, ct)).Result == ReadingsResult.Recorded
                : (await streams.AppendInTransactionAsync(capture.Transaction, shipment, decision.Events, null, ct)).Outcome ==
                  AppendOutcome.Appended;
            if (!appended)
            {
                // Another scan of this shipment got in first: decide again on what it left.
                await capture.Transaction.RollbackAsync("check-in", ct);
                continue;
            }

            streams.Forget(shipmentId);
            ScanAnswers.Count(decision.Outcome);
            return (decision.Outcome switch
            {
                CheckInOutcome.OutOfSequence => OutOfSequence,
                CheckInOutcome.DeliveryRefused => DeliveryRefused,
                CheckInOutcome.Accepted or CheckInOutcome.Delivered or CheckInOutcome.RecordedOffRoute => CheckedIn,
                _ => throw new ArgumentOutOfRangeException(nameof(decision), decision.Outcome, "no EPCIS outcome for it"),
            }, null);
        }

        return (null, new EventOutcome("refused", shipmentId, "other scans of this shipment kept arriving at the same moment; capture it again",
            Failed: true, Status: StatusCodes.Status409Conflict));
    }

    /// <summary>A sensor's temperature reports, for a shipment it is attached to on a cold-chain route.</summary>
    private async Task<(string? Outcome, EventOutcome? Failure)> ReportAsync(
        CaptureContext capture, IndexedEvent e, Device sensor, string shipmentId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadInTransactionAsync(capture.Transaction, shipmentId, ct);
            if (shipment is null || ShipmentDecider.MayReport(shipment, routes.Get(shipment.RouteId), sensor.DeviceId) is not null)
            {
                return (null, null);
            }

            var profile = routes.Get(shipment.RouteId).Route.ColdChain!;
            var middle = (profile.MinCelsius + profile.MaxCelsius) / 2;
            var readings = e.SensorReports
                .Select(r => (Report: r, Celsius: EpcisSubjects.CelsiusOf(r, middle)))
                .Where(r => r.Celsius is { } c && Domain.ColdChain.Temperature.IsPlausible(c))
                .Select(r => new ReadingInput(r.Report.Time ?? e.EventTime, r.Celsius!.Value, r.Report.Exception))
                .GroupBy(r => r.At).Select(g => g.First())
                .ToArray();
            if (readings.Length == 0)
            {
                return (null, null);
            }

            var late = readings.FirstOrDefault(r => api.Value.EventTimes.Problem(r.At, clock.GetUtcNow()) is not null);
            if (late is not null)
            {
                return (null, new EventOutcome("refused", shipmentId,
                    $"sensorReport time {api.Value.EventTimes.Problem(late.At, clock.GetUtcNow())}", Failed: true,
                    Status: StatusCodes.Status400BadRequest));
            }

            await capture.Transaction.SaveAsync("readings", ct);
            var recorded = await ledger.RecordInTransactionAsync(capture.Connection, capture.Transaction, shipment, profile,
                sensor.DeviceId, readings, requireAttachment: true, [], null, clock.GetUtcNow(), ct);
            if (recorded.Result == ReadingsResult.Recorded)
            {
                if (!ReferenceEquals(recorded.Shipment, shipment))
                {
                    streams.Forget(shipmentId);
                }

                return (recorded.Shipment!.Breached && !shipment.Breached ? "cold-chain-breached" : EventOutcome.StoredOutcome, null);
            }

            await capture.Transaction.RollbackAsync("readings", ct);
            if (recorded.Result == ReadingsResult.SensorNotAttached)
            {
                return (null, null);
            }
        }

        return (null, new EventOutcome("refused", shipmentId, "other changes to this shipment kept arriving; capture it again",
            Failed: true, Status: StatusCodes.Status409Conflict));
    }

    private static string? Alarm(IndexedEvent e) => e.SensorReports.Select(r => r.Exception).FirstOrDefault(x => x is not null);

    private static int Rank(string outcome) => outcome switch
    {
        DeliveryRefused => 0,
        OutOfSequence => 1,
        "cold-chain-breached" => 2,
        CheckedIn => 3,
        _ => 4,
    };

    /// <summary>The check-in's scan id, the same for the same event and shipment whenever it is captured.</summary>
    private static Guid ScanId(string eventId, string shipmentId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"epcis|{eventId}|{shipmentId}")).AsSpan(0, 16));
}
