using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.RecordingReadings;

public sealed record ReadingRequest(DateTimeOffset? At, double? Celsius);

public sealed record ReadingsRequest(List<ReadingRequest?>? Readings);

public sealed record ReadingsAccepted(int Stored, int Duplicates, double MinutesOutside, bool Breached, string Delivery);

/// <summary>POST /api/shipments/{id}/temperature-readings: an attached sensor reports, 1 to 1,000 readings, all or nothing.</summary>
public static class RecordReadingsEndpoint
{
    public const int MaxBatch = 1000;

    public static void MapRecordReadings(this RouteGroupBuilder shipment) =>
        shipment.MapPost("/temperature-readings", Handle).RequireAuthorization(Roles.Sensor)
            .WithSummary($"Temperature readings from an attached sensor, 1 to {MaxBatch} per batch, all or nothing (sensor)");

    private static async Task<Results<Ok<ReadingsAccepted>, ProblemHttpResult>> Handle(
        string shipmentId, ReadingsRequest request, HttpContext http, ShipmentStreams streams, RouteCatalog routes,
        ColdChainLedger ledger, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken ct)
    {
        var errors = ReadingsValidator.Validate(request, clock.GetUtcNow(), api.Value.EventTimes);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var sensorId = http.User.DeviceId();
        var readings = request.Readings!.Select(r => new ReadingInput(r!.At!.Value, r.Celsius!.Value)).ToArray();
        for (var attempt = 0; attempt < ShipmentCommands.MaxAttempts; attempt++)
        {
            var shipment = await streams.LoadAsync(shipmentId, fresh: attempt > 0, ct);
            if (shipment is null)
            {
                return Problems.From(ShipmentRefusals.NotFound(shipmentId));
            }

            var workflow = routes.Get(shipment.RouteId);
            if (ShipmentDecider.MayReport(shipment, workflow, sensorId) is { } refusal)
            {
                return Problems.From(refusal);
            }

            var outcome = await ledger.RecordAsync(shipment, workflow.Route.ColdChain!, sensorId, readings,
                requireAttachment: true, [], null, ct);
            switch (outcome.Result)
            {
                case ReadingsResult.Recorded:
                    var after = outcome.Shipment!;
                    return TypedResults.Ok(new ReadingsAccepted(outcome.Stored, outcome.Duplicates,
                        outcome.State?.MinutesOutside ?? 0, after.Breached,
                        after.Attributes.GetValueOrDefault(DeliveryAttribute.Name, DeliveryAttribute.Accepted)));
                case ReadingsResult.SensorNotAttached:
                    // Detached by another instance since this one loaded the shipment: the store decides.
                    return Problems.From(ShipmentRefusals.SensorNotAttached(shipmentId));
            }
        }

        return Problems.From(ShipmentRefusals.Busy());
    }
}

/// <summary>What a batch of readings must carry: each problem names its reading and field.</summary>
public static class ReadingsValidator
{
    public static IReadOnlyDictionary<string, string[]> Validate(ReadingsRequest request, DateTimeOffset now, EventTimeWindow window)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Readings is not { Count: > 0 } readings)
        {
            errors["readings"] = [$"required: 1 to {RecordReadingsEndpoint.MaxBatch} readings {{ \"at\": \"<ISO-8601 with offset>\", \"celsius\": 4.2 }}"];
            return errors;
        }

        if (readings.Count > RecordReadingsEndpoint.MaxBatch)
        {
            errors["readings"] = [$"at most {RecordReadingsEndpoint.MaxBatch} readings per batch, got {readings.Count}; split the batch"];
            return errors;
        }

        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            if (reading?.At is not { } at)
            {
                errors[$"readings[{i}].at"] = ["required: ISO-8601 date and time with an offset"];
            }
            else if (window.Problem(at, now) is { } timeProblem)
            {
                errors[$"readings[{i}].at"] = [timeProblem];
            }

            if (reading?.Celsius is not { } c || !Temperature.IsPlausible(c))
            {
                errors[$"readings[{i}].celsius"] = ["required: " + Temperature.Rule];
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
}
