using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Api.Security;
using TrackTrace.Api.Stations;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.RecordingScan;

/// <summary>
/// Records one scan: the station rule, the decision on the shipment's current state, the append
/// with its receipt and device guard (group-committed, or with the cold chain's readings when the
/// scan's temperature is evidence), retries after a version conflict, and the retry answer. The
/// device check of this endpoint rides in its write, so every answer that stores nothing asks the
/// attribute store first: a suspended scanner learns nothing else.
/// </summary>
public sealed class RecordScanHandler(
    ShipmentStreams streams, StationLookup stations, RouteCatalog routes, ColdChainLedger ledger, NpgsqlDataSource dataSource,
    DeviceGate gate, IOptions<ApiOptions> api, IOptions<JsonOptions> json, TimeProvider clock,
    IOptions<MonitoringOptions> monitoring)
{
    private readonly TravelLimits? _travel = monitoring.Value.Travel();

    private const int MaxAttempts = 5;

    public async Task<IResult> HandleAsync(ScanRequest request, ScanningDevice device, CancellationToken ct)
    {
        var receivedAt = clock.GetUtcNow();
        var errors = ScanRequestValidator.Validate(request, receivedAt, api.Value.EventTimes);
        if (errors.Count > 0)
        {
            return await RefuseAsync(device, Problems.Invalid(errors), ct);
        }

        if (device.StationId is null || (request.StationId is not null && request.StationId != device.StationId))
        {
            return await RefuseAsync(device, Problems.Result(StatusCodes.Status403Forbidden, "station-mismatch",
                "Not this scanner's station",
                $"stationId: this scanner is enrolled at another station than '{request.StationId}'; omit stationId or send the scanner's own.",
                new Dictionary<string, object?> { ["attribute"] = "station" }), ct);
        }

        var station = await stations.FindAsync(device.StationId, ct);
        if (station is null)
        {
            return await RefuseAsync(device, Problems.Result(StatusCodes.Status422UnprocessableEntity, "unknown-station",
                "Unknown station", $"stationId: no station '{device.StationId}' is registered."), ct);
        }

        var command = new CheckInShipment(request.ScanId!.Value, station.StationId, station.Type, device.DeviceId,
            request.ScannedAt!.Value, receivedAt, request.Celsius, station.Position);
        var hash = RequestHash(request.ShipmentId!, command);
        var guard = device.Guard;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadAsync(request.ShipmentId!, fresh: attempt > 0, ct);
            if (shipment is null)
            {
                return await RefuseAsync(device with { Guard = guard }, Problems.NotFound("Shipment", request.ShipmentId!), ct);
            }

            var workflow = routes.Get(shipment.RouteId);
            CheckInDecision decision;
            using (var decide = Telemetry.Source.StartActivity("decide check-in"))
            {
                decision = ShipmentDecider.CheckIn(shipment, workflow, command, _travel);
                decide?.SetTag("tracktrace.shipment.id", shipment.Id).SetTag("tracktrace.check_in.outcome", decision.Outcome.ToString())
                    .SetTag("tracktrace.attempt", attempt);
            }

            var (status, body) = ScanAnswers.From(shipment, workflow, command, decision);
            var receipt = new ScanReceipt(command.ScanId, shipment.Id, hash, status,
                JsonSerializer.Serialize(body, body.GetType(), json.Value.SerializerOptions), receivedAt);
            var scan = new ScanWrite(receipt, guard);

            AppendOutcome outcome;
            try
            {
                outcome = decision.Reading is { } reading && workflow.Route.ColdChain is { } profile
                    ? ToAppendOutcome(await ledger.RecordAsync(shipment, profile, reading.SensorId,
                        [new ReadingInput(reading.At, reading.Celsius)], requireAttachment: false, decision.Events,
                        session => ScanReceipts.Queue(session, [scan]), ct))
                    : (await streams.AppendGroupCommittedAsync(shipment, decision.Events, scan, ct)).Outcome;
            }
            catch (Exception ex) when (DeviceWriteGuard.IsViolation(ex))
            {
                // The device changed since it was judged: judge it again, and try again if it still may scan.
                (guard, var refusal) = await gate.ConfirmAsync(guard!, device.Subject, ct);
                if (refusal is not null)
                {
                    return refusal;
                }

                continue;
            }

            switch (outcome)
            {
                case AppendOutcome.Appended:
                    ScanAnswers.Count(decision.Outcome);
                    return Replay(receipt, replayed: false);
                case AppendOutcome.AlreadyRecorded:
                    return await RefuseAsync(device with { Guard = guard }, await AnswerRetryAsync(command.ScanId, hash, ct), ct);
            }
        }

        return await RefuseAsync(device with { Guard = guard }, Problems.Result(StatusCodes.Status409Conflict,
            "concurrent-change", "Shipment busy",
            "Other scans of this shipment kept arriving at the same moment; retry with the same scanId."), ct);
    }

    /// <summary>
    /// An answer that stores nothing: when the device check was left to the write, ask the attribute
    /// store now, so a suspended or changed device is refused before anything else is said.
    /// </summary>
    public async Task<IResult> RefuseAsync(ScanningDevice device, IResult answer, CancellationToken ct)
    {
        if (device.Guard is null)
        {
            return answer;
        }

        var (_, refusal) = await gate.ConfirmAsync(device.Guard, device.Subject, ct);
        return refusal ?? answer;
    }

    private async Task<IResult> AnswerRetryAsync(Guid scanId, string hash, CancellationToken ct)
    {
        var receipt = await ScanReceipts.FindAsync(dataSource, scanId, ct);
        if (receipt is null || receipt.RequestHash != hash)
        {
            return Problems.Result(StatusCodes.Status409Conflict, "scan-id-reused", "scanId already used",
                $"scanId: {scanId} was already used for a different scan; generate a new UUID for each scan.");
        }

        return Replay(receipt, replayed: true);
    }

    private static AppendOutcome ToAppendOutcome(ReadingsOutcome recorded) => recorded.Result switch
    {
        ReadingsResult.Recorded => AppendOutcome.Appended,
        ReadingsResult.VersionConflict => AppendOutcome.VersionConflict,
        ReadingsResult.AlreadyRecorded => AppendOutcome.AlreadyRecorded,
        _ => throw new InvalidOperationException($"a scan's reading needs no attachment, yet the ledger answered {recorded.Result}"),
    };

    private static IResult Replay(ScanReceipt receipt, bool replayed) => new ReceiptResult(receipt, replayed);

    private static string RequestHash(string shipmentId, CheckInShipment c) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{shipmentId}|{c.StationId}|{c.DeviceId}|{c.ScannedAt.UtcTicks}|{c.Celsius?.ToString("R")}")));

    /// <summary>The stored answer, byte for byte; a retry also says it is one.</summary>
    private sealed class ReceiptResult(ScanReceipt receipt, bool replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            if (replayed)
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }

            return TypedResults.Text(receipt.Body, receipt.Status >= 400 ? "application/problem+json" : "application/json",
                Encoding.UTF8, receipt.Status).ExecuteAsync(http);
        }
    }
}
