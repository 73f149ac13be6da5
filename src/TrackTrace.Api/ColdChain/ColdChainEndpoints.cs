using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments;
using TrackTrace.Api.Shipments.GettingShipment;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.ColdChain;

public sealed record ReadingInput(DateTimeOffset? At, double? Celsius);

public sealed record ReadingsRequest(List<ReadingInput?>? Readings);

public sealed record ReadingsAccepted(int Stored, int Duplicates, double MinutesOutside, bool Breached, string Delivery);

public sealed record SensorRequest(string? DeviceId);

public sealed record ReleaseRequest(string? Reason);

public sealed record ReadingView(string SensorId, DateTimeOffset At, double Celsius, DateTimeOffset ReceivedAt);

public sealed record ColdChainView(
    string ShipmentId,
    double MinCelsius,
    double MaxCelsius,
    double? HardMinCelsius,
    double? HardMaxCelsius,
    double AllowanceMinutes,
    int ReadingCount,
    double? LowestCelsius,
    double? HighestCelsius,
    double? MeanKineticCelsius,
    double MinutesOutside,
    IReadOnlyList<Excursion> Excursions,
    OpenExcursion? CurrentExcursion,
    ColdChainBreach? Breach,
    DateTimeOffset? EvaluatedFrom,
    string Delivery);

/// <summary>Sensors, temperature readings, the cold-chain evaluation and the admin's release of a refused delivery.</summary>
public static class ColdChainEndpoints
{
    /// <summary>Readings in one POST; a batch is stored whole or not at all.</summary>
    public const int MaxBatch = 1000;

    public static void MapColdChain(this RouteGroupBuilder shipments)
    {
        shipments.MapPost("/{shipmentId}/temperature-readings", PostReadings).RequireAuthorization(Roles.Sensor)
            .WithSummary($"Temperature readings from an attached sensor, 1 to {MaxBatch} per batch, all or nothing (sensor)");
        shipments.MapGet("/{shipmentId}/temperature-readings", GetReadings).RequireAuthorization(Roles.Staff)
            .WithSummary("Readings in time order: ?from=&to= (at most 20,000) (staff)");
        shipments.MapGet("/{shipmentId}/cold-chain", GetColdChain).RequireAuthorization(Roles.Staff)
            .WithSummary("The cold-chain evaluation: limits, time outside, excursions, MKT, breach (staff)");
        shipments.MapPost("/{shipmentId}/sensors", Attach).RequireAuthorization(Roles.Staff)
            .WithSummary("Attach a sensor device to the shipment (staff)");
        shipments.MapDelete("/{shipmentId}/sensors/{deviceId}", Detach).RequireAuthorization(Roles.Staff)
            .WithSummary("Detach a sensor (staff)");
        shipments.MapPost("/{shipmentId}/release", Release).RequireAuthorization(Roles.Admin)
            .WithSummary("Release a refused delivery, with the reason kept as a fact (admin)");
    }

    private static async Task<Results<Ok<ReadingsAccepted>, ProblemHttpResult>> PostReadings(
        string shipmentId, ReadingsRequest request, HttpContext http, ShipmentStreams streams, RouteCatalog routes,
        ColdChainLedger ledger, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken ct)
    {
        var errors = Validate(request, clock.GetUtcNow(), api.Value.ClockSkew);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var shipment = await streams.LoadAsync(shipmentId, fresh: false, ct);
        if (shipment is null)
        {
            return Problems.NotFound("Shipment", shipmentId);
        }

        if (routes.Get(shipment.RouteId).Route.ColdChain is not { } profile)
        {
            return NoColdChain(shipment);
        }

        var readings = request.Readings!.Select(r => (r!.At!.Value, r.Celsius!.Value)).ToArray();
        var outcome = await ledger.RecordAsync(shipment, profile, http.User.DeviceId(), readings, requireAttachment: true, ct);
        return outcome.Result switch
        {
            ReadingsResult.SensorNotAttached => Problems.Result(StatusCodes.Status403Forbidden, "sensor-not-attached",
                "Sensor not attached", $"This sensor is not attached to shipment '{shipmentId}'; staff attach it with POST /api/shipments/{shipmentId}/sensors. Nothing was stored.",
                new Dictionary<string, object?> { ["attribute"] = "shipment" }),
            ReadingsResult.ShipmentBusy => Problems.Result(StatusCodes.Status409Conflict, "concurrent-change",
                "Shipment busy", "Other changes to this shipment kept arriving at the same moment; resend the batch."),
            _ => TypedResults.Ok(await AcceptedAsync(streams, shipmentId, outcome, ct)),
        };
    }

    private static async Task<ReadingsAccepted> AcceptedAsync(
        ShipmentStreams streams, string shipmentId, ReadingsOutcome outcome, CancellationToken ct)
    {
        var shipment = await streams.LoadAsync(shipmentId, fresh: false, ct);
        return new ReadingsAccepted(outcome.Stored, outcome.Duplicates, outcome.State?.MinutesOutside ?? 0,
            shipment?.Breached ?? false, shipment?.Attributes.GetValueOrDefault(DeliveryAttribute.Name) ?? DeliveryAttribute.Accepted);
    }

    private static Dictionary<string, string[]> Validate(ReadingsRequest request, DateTimeOffset now, TimeSpan skew)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Readings is not { Count: > 0 } readings)
        {
            errors["readings"] = [$"required: 1 to {MaxBatch} readings {{ \"at\": \"<ISO-8601 with offset>\", \"celsius\": 4.2 }}"];
            return errors;
        }

        if (readings.Count > MaxBatch)
        {
            errors["readings"] = [$"at most {MaxBatch} readings per batch, got {readings.Count}; split the batch"];
            return errors;
        }

        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            if (reading?.At is not { } at)
            {
                errors[$"readings[{i}].at"] = ["required: ISO-8601 date and time with an offset"];
            }
            else if (at - now > skew)
            {
                errors[$"readings[{i}].at"] = [$"is {at - now:c} in the future; at most {skew:c} of clock skew is accepted"];
            }

            if (reading?.Celsius is not { } c || !double.IsFinite(c) || c < -100 || c > 100)
            {
                errors[$"readings[{i}].celsius"] = ["required: a finite temperature between -100 and 100 °C"];
            }
        }

        var conflicting = readings.Where(r => r?.At is not null && r.Celsius is not null)
            .GroupBy(r => r!.At!.Value.UtcTicks).Where(g => g.Select(r => r!.Celsius).Distinct().Count() > 1)
            .Select(g => g.First()!.At!.Value).ToArray();
        if (conflicting.Length > 0)
        {
            errors["readings"] = [$"two different temperatures at the same time: {string.Join(", ", conflicting.Select(a => a.ToString("O")))}"];
        }

        return errors;
    }

    private static async Task<Results<Ok<ReadingView[]>, ProblemHttpResult>> GetReadings(
        string shipmentId, DateTimeOffset? from, DateTimeOffset? to, NpgsqlDataSource dataSource, IQuerySession query,
        CancellationToken ct)
    {
        if (await query.LoadAsync<Shipment>(shipmentId, ct) is null)
        {
            return Problems.NotFound("Shipment", shipmentId);
        }

        await using var command = dataSource.CreateCommand(
            $"select sensor_id, at, celsius, received_at from {ColdChainTables.Readings} " +
            "where shipment_id = $1 and at >= $2 and at <= $3 order by at limit 20000");
        command.Parameters.AddWithValue(shipmentId);
        command.Parameters.AddWithValue((from ?? DateTimeOffset.UnixEpoch).ToUniversalTime());
        command.Parameters.AddWithValue((to ?? DateTimeOffset.MaxValue.AddYears(-1)).ToUniversalTime());
        var readings = new List<ReadingView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            readings.Add(new ReadingView(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetDouble(2),
                reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return TypedResults.Ok(readings.ToArray());
    }

    private static async Task<Results<Ok<ColdChainView>, ProblemHttpResult>> GetColdChain(
        string shipmentId, IQuerySession query, RouteCatalog routes, ColdChainLedger ledger, NpgsqlDataSource dataSource,
        CancellationToken ct)
    {
        var shipment = await query.LoadAsync<Shipment>(shipmentId, ct);
        if (shipment is null)
        {
            return Problems.NotFound("Shipment", shipmentId);
        }

        if (routes.Get(shipment.RouteId).Route.ColdChain is not { } profile)
        {
            return NoColdChain(shipment);
        }

        var (state, evaluatedFrom) = await ledger.StatusAsync(shipmentId, ct);
        // Counts, extremes and MKT cover every reading, also those before a release.
        await using var command = dataSource.CreateCommand(
            $"select count(*), min(celsius), max(celsius), sum(exp(-{MeanKineticTemperature.ActivationEnergy / MeanKineticTemperature.GasConstant} / (celsius + 273.15))) " +
            $"from {ColdChainTables.Readings} where shipment_id = $1");
        command.Parameters.AddWithValue(shipmentId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var count = (int)reader.GetInt64(0);
        double? lowest = reader.IsDBNull(1) ? null : reader.GetDouble(1);
        double? highest = reader.IsDBNull(2) ? null : reader.GetDouble(2);
        var mkt = reader.IsDBNull(3) ? null : MeanKineticTemperature.FromSum(reader.GetDouble(3), count);
        return TypedResults.Ok(new ColdChainView(shipmentId, profile.MinCelsius, profile.MaxCelsius, profile.HardMinCelsius,
            profile.HardMaxCelsius, profile.Allowance.TotalMinutes, count, lowest, highest, mkt, state.MinutesOutside,
            state.Excursions, state.CurrentExcursion, state.Breach, evaluatedFrom,
            shipment.Attributes.GetValueOrDefault(DeliveryAttribute.Name, DeliveryAttribute.Accepted)));
    }

    private static Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Attach(
        string shipmentId, SensorRequest request, HttpContext http, ShipmentStreams streams, RouteCatalog routes,
        IQuerySession query, TimeProvider clock, CancellationToken ct) =>
        ChangeSensorsAsync(shipmentId, request.DeviceId, attach: true, http, streams, routes, query, clock, ct);

    private static Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Detach(
        string shipmentId, string deviceId, HttpContext http, ShipmentStreams streams, RouteCatalog routes,
        IQuerySession query, TimeProvider clock, CancellationToken ct) =>
        ChangeSensorsAsync(shipmentId, deviceId, attach: false, http, streams, routes, query, clock, ct);

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> ChangeSensorsAsync(
        string shipmentId, string? deviceId, bool attach, HttpContext http, ShipmentStreams streams, RouteCatalog routes,
        IQuerySession query, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(deviceId))
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["deviceId"] = ["required: the id of an enrolled sensor"] });
        }

        if (attach && await query.LoadAsync<Device>(Device.StreamKey(deviceId), ct) is not { Role: DeviceRole.Sensor })
        {
            return Problems.Result(StatusCodes.Status422UnprocessableEntity, "not-a-sensor", "Not a sensor",
                $"deviceId: '{deviceId}' is not an enrolled device with role sensor.");
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var shipment = await streams.LoadAsync(shipmentId, fresh: attempt > 0, ct);
            if (shipment is null)
            {
                return Problems.NotFound("Shipment", shipmentId);
            }

            var workflow = routes.Get(shipment.RouteId);
            if (attach && workflow.Route.ColdChain is null)
            {
                return NoColdChain(shipment);
            }

            var now = clock.GetUtcNow();
            var events = attach
                ? ShipmentDecider.AttachSensor(shipment, deviceId, http.User.DeviceId(), now)
                : ShipmentDecider.DetachSensor(shipment, deviceId, http.User.DeviceId(), now);
            if (events.Count == 0)
            {
                return TypedResults.Ok(ShipmentView.From(shipment, workflow));
            }

            var appended = await streams.AppendAsync(shipment, events, null, ct);
            if (appended.Outcome == AppendOutcome.Appended)
            {
                return TypedResults.Ok(ShipmentView.From(appended.State!, workflow));
            }
        }

        return Problems.Result(StatusCodes.Status409Conflict, "concurrent-change", "Shipment busy", "Retry the request.");
    }

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Release(
        string shipmentId, ReleaseRequest request, HttpContext http, ColdChainLedger ledger, RouteCatalog routes,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 500)
        {
            return Problems.Invalid(new Dictionary<string, string[]>
            {
                ["reason"] = ["required: why the goods may be delivered after all (1-500 characters); it is kept as a fact"],
            });
        }

        var (result, shipment) = await ledger.ReleaseAsync(shipmentId, http.User.DeviceId(), request.Reason.Trim(), ct);
        return result switch
        {
            ReleaseResult.Released => TypedResults.Ok(ShipmentView.From(shipment!, routes.Get(shipment!.RouteId))),
            ReleaseResult.NotFound => Problems.NotFound("Shipment", shipmentId),
            ReleaseResult.NotRefused => Problems.Result(StatusCodes.Status409Conflict, "not-refused", "Delivery is not refused",
                $"Shipment '{shipmentId}' has delivery '{DeliveryAttribute.Accepted}'; there is nothing to release."),
            _ => Problems.Result(StatusCodes.Status409Conflict, "concurrent-change", "Shipment busy", "Retry the request."),
        };
    }

    private static ProblemHttpResult NoColdChain(Shipment shipment) =>
        Problems.Result(StatusCodes.Status422UnprocessableEntity, "no-cold-chain", "No cold chain on this route",
            $"Route '{shipment.RouteId}' of shipment '{shipment.Id}' has no cold-chain profile, so temperatures are not judged. Nothing was stored.");
}
