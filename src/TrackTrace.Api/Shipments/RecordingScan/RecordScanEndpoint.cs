using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using TrackTrace.Api.ColdChain;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Api.Stations;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.RecordingScan;

public sealed record ScanRequest(Guid? ScanId, string? ShipmentId, string? StationId, DateTimeOffset? ScannedAt, double? Celsius);

public sealed record LegSummary(int Number, string StationType, string Name, bool Optional)
{
    public static LegSummary From(Leg leg) => new(leg.Number, leg.StationType, leg.Name, leg.Optional);
}

public sealed record ScanAccepted(
    string Status,
    Guid ScanId,
    string ShipmentId,
    string StationId,
    LegSummary? Leg,
    IReadOnlyList<LegSummary> NextExpected,
    string ShipmentStatus,
    string Delivery,
    string? Note);

/// <summary>POST /api/scans: a scanner checks a shipment in at its own station.</summary>
public static class RecordScanEndpoint
{
    private const int MaxAttempts = 5;

    public static void MapRecordScan(this RouteGroupBuilder api) =>
        api.MapPost("/scans", Handle).WithTags("Scans").RequireAuthorization(Roles.Scanner)
            .WithMetadata(new DeviceCheckedInWrite())
            .WithSummary("Check a shipment in at the scanner's station (scanner)")
            .Produces<ScanAccepted>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<IResult> Handle(
        ScanRequest request, HttpContext http, ShipmentStreams streams, StationLookup stations, RouteCatalog routes,
        IQuerySession query, ColdChainLedger ledger, DeviceGate gate, ILogger<ScanRequest> logger,
        IOptions<ApiOptions> api, IOptions<JsonOptions> json, TimeProvider clock, CancellationToken ct)
    {
        var receivedAt = clock.GetUtcNow();
        var deviceStation = http.User.StationId();
        var guard = http.Features.Get<DeviceWriteGuard>();
        var subject = http.Connection.ClientCertificate?.Subject ?? "";

        // The device check of this endpoint rides in its write; an answer without a write asks the store first.
        async Task<IResult> Checked(IResult answer)
        {
            if (guard is null)
            {
                return answer;
            }

            var (_, refusal) = await gate.ConfirmAsync(guard, subject, ct);
            return refusal ?? answer;
        }

        var errors = new Dictionary<string, string[]>();
        if (request.ScanId is null || request.ScanId == Guid.Empty)
        {
            errors["scanId"] = ["required: a UUID the scanner generates once per scan (retries reuse it)"];
        }

        if (!ShipmentId.IsValid(request.ShipmentId, out var idProblem))
        {
            errors["shipmentId"] = [idProblem!];
        }

        if (request.ScannedAt is null)
        {
            errors["scannedAt"] = ["required: ISO-8601 date and time with an offset, e.g. 2026-11-27T10:15:00+01:00"];
        }
        else if (request.ScannedAt - receivedAt > api.Value.ClockSkew)
        {
            errors["scannedAt"] = [$"is {request.ScannedAt - receivedAt:c} in the future; at most {api.Value.ClockSkew:c} of clock skew is accepted"];
        }

        if (request.Celsius is { } c && (!double.IsFinite(c) || c < -100 || c > 100))
        {
            errors["celsius"] = ["a finite temperature between -100 and 100 °C"];
        }

        if (errors.Count > 0)
        {
            return await Checked(Problems.Invalid(errors));
        }

        if (deviceStation is null || (request.StationId is not null && request.StationId != deviceStation))
        {
            return await Checked(Problems.Result(StatusCodes.Status403Forbidden, "station-mismatch", "Not this scanner's station",
                $"stationId: this scanner is enrolled at another station than '{request.StationId}'; omit stationId or send the scanner's own.",
                new Dictionary<string, object?> { ["attribute"] = "station" }));
        }

        var station = await stations.FindAsync(deviceStation, ct);
        if (station is null)
        {
            return await Checked(Problems.Result(StatusCodes.Status422UnprocessableEntity, "unknown-station", "Unknown station",
                $"stationId: no station '{deviceStation}' is registered."));
        }

        var command = new CheckInShipment(request.ScanId!.Value, station.StationId, station.Type, http.User.DeviceId(),
            request.ScannedAt!.Value, receivedAt, request.Celsius);
        var hash = RequestHash(request.ShipmentId!, command);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadAsync(request.ShipmentId!, fresh: attempt > 0, ct);
            if (shipment is null)
            {
                return await Checked(Problems.NotFound("Shipment", request.ShipmentId!));
            }

            var workflow = routes.Get(shipment.RouteId);
            var decision = ShipmentDecider.CheckIn(shipment, workflow, command);
            var (status, body) = Answer(shipment, workflow, command, decision);
            var bodyJson = JsonSerializer.Serialize(body, body.GetType(), json.Value.SerializerOptions);
            var receipt = new ScanReceipt(command.ScanId, shipment.Id, hash, status, bodyJson, receivedAt);
            AppendResult appended;
            try
            {
                appended = await streams.AppendAsync(shipment, decision.Events, s =>
                {
                    s.Insert(receipt);
                    guard?.AddTo(s);
                }, ct);
            }
            catch (Exception ex) when (DeviceWriteGuard.IsViolation(ex))
            {
                // The device changed since it was judged: judge it again, and try again if it still may scan.
                (guard, var refusal) = await gate.ConfirmAsync(guard!, subject, ct);
                if (refusal is not null)
                {
                    return refusal;
                }

                continue;
            }

            switch (appended.Outcome)
            {
                case AppendOutcome.Appended:
                    Count(decision.Outcome);
                    if (command.Celsius is { } celsius && workflow.Route.ColdChain is { } profile)
                    {
                        // The temperature is in the check-in fact already; it also joins the series judged.
                        // The check-in is stored either way, so a failure here must not turn its answer into an error.
                        try
                        {
                            await ledger.RecordAsync(appended.State!, profile, command.DeviceId,
                                [(command.ScannedAt, celsius)], requireAttachment: false, ct);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            logger.LogWarning(ex, "Scan {ScanId} of {ShipmentId} is stored; its {Celsius} °C did not join the readings",
                                command.ScanId, shipment.Id, celsius);
                        }
                    }

                    return Replay(receipt);
                case AppendOutcome.AlreadyRecorded:
                    return await Checked(await AnswerRetry(query, command.ScanId, hash, http, ct));
            }
        }

        return await Checked(Problems.Result(StatusCodes.Status409Conflict, "concurrent-change", "Shipment busy",
            "Other scans of this shipment kept arriving at the same moment; retry with the same scanId."));
    }

    private static (int Status, object Body) Answer(
        Shipment shipment, RouteWorkflow workflow, CheckInShipment command, CheckInDecision decision)
    {
        var after = decision.Events.Aggregate(shipment, Shipment.Fold);
        var delivery = after.Attributes.GetValueOrDefault(DeliveryAttribute.Name, DeliveryAttribute.Accepted);
        var expected = decision.NextExpected.Select(LegSummary.From).ToArray();
        switch (decision.Outcome)
        {
            case CheckInOutcome.OutOfSequence:
                return (StatusCodes.Status409Conflict, Problems.Details(StatusCodes.Status409Conflict, "out-of-sequence",
                    "Out of sequence", $"{decision.Reason}. The scan was recorded as an anomaly and an alert was raised.",
                    new Dictionary<string, object?>
                    {
                        ["shipmentId"] = shipment.Id,
                        ["currentLeg"] = new { number = shipment.Progress, name = ShipmentDecider.CurrentLegName(shipment, workflow) },
                        ["expectedStationTypes"] = expected.Select(l => l.StationType).Distinct().ToArray(),
                        ["expectedNext"] = expected,
                    }));
            case CheckInOutcome.DeliveryRefused:
                return (StatusCodes.Status409Conflict, Problems.Details(StatusCodes.Status409Conflict, "delivery-refused",
                    "Delivery refused", $"{decision.Reason}. The refusal was recorded and an alert was raised.",
                    new Dictionary<string, object?>
                    {
                        ["shipmentId"] = shipment.Id,
                        ["delivery"] = delivery,
                        ["breach"] = shipment.Breached ? $"/api/shipments/{shipment.Id}/timeline" : null,
                    }));
            default:
                var note = delivery == DeliveryAttribute.Refused
                    ? "delivery of this shipment is refused: the destination will not accept it"
                    : null;
                return (StatusCodes.Status201Created, new ScanAccepted("accepted", command.ScanId, shipment.Id,
                    command.StationId, decision.Leg is null ? null : LegSummary.From(decision.Leg), expected,
                    Kebab(after.Status), delivery, note));
        }
    }

    private static async Task<IResult> AnswerRetry(
        IQuerySession query, Guid scanId, string hash, HttpContext http, CancellationToken ct)
    {
        var receipt = await query.LoadAsync<ScanReceipt>(scanId, ct);
        if (receipt is null || receipt.RequestHash != hash)
        {
            return Problems.Result(StatusCodes.Status409Conflict, "scan-id-reused", "scanId already used",
                $"scanId: {scanId} was already used for a different scan; generate a new UUID for each scan.");
        }

        http.Response.Headers["Idempotent-Replayed"] = "true";
        return Replay(receipt);
    }

    private static IResult Replay(ScanReceipt receipt) =>
        TypedResults.Text(receipt.Body, receipt.Status >= 400 ? "application/problem+json" : "application/json",
            Encoding.UTF8, receipt.Status);

    private static string RequestHash(string shipmentId, CheckInShipment c) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{shipmentId}|{c.StationId}|{c.DeviceId}|{c.ScannedAt.UtcTicks}|{c.Celsius?.ToString("R")}")));

    private static string Kebab(ShipmentStatus status) => JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString());

    private static void Count(CheckInOutcome outcome)
    {
        if (outcome == CheckInOutcome.OutOfSequence)
        {
            Metrics.ScansOutOfSequence.Add(1);
        }
        else
        {
            Metrics.ScansAccepted.Add(1);
        }
    }
}
