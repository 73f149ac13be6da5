using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.GettingColdChain;

public sealed record ReadingView(string SensorId, DateTimeOffset At, double Celsius, DateTimeOffset ReceivedAt, string? Exception);

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

/// <summary>What staff read of a shipment's temperatures: the readings, and the evaluation against its route's limits.</summary>
public static class ColdChainViewEndpoints
{
    public const int MaxReadings = 20_000;

    public static void MapColdChainViews(this RouteGroupBuilder shipment)
    {
        shipment.MapGet("/temperature-readings", GetReadings).RequireAuthorization(Roles.Staff)
            .WithSummary($"Readings in time order: ?from=&to= (at most {MaxReadings:N0}) (staff)");
        shipment.MapGet("/cold-chain", GetColdChain).RequireAuthorization(Roles.Staff)
            .WithSummary("The cold-chain evaluation: limits, time outside, excursions, MKT, breach (staff)");
    }

    private static async Task<Results<Ok<ReadingView[]>, ProblemHttpResult>> GetReadings(
        string shipmentId, DateTimeOffset? from, DateTimeOffset? to, IQuerySession query, ColdChainLedger ledger,
        CancellationToken ct)
    {
        if (await query.LoadAsync<Shipment>(shipmentId, ct) is null)
        {
            return Problems.From(ShipmentRefusals.NotFound(shipmentId));
        }

        var readings = await ledger.ReadingsAsync(shipmentId, from, to, MaxReadings, ct);
        return TypedResults.Ok(readings.Select(r => new ReadingView(r.SensorId, r.At, r.Celsius, r.ReceivedAt, r.Exception)).ToArray());
    }

    private static async Task<Results<Ok<ColdChainView>, ProblemHttpResult>> GetColdChain(
        string shipmentId, IQuerySession query, RouteCatalog routes, ColdChainLedger ledger, CancellationToken ct)
    {
        var shipment = await query.LoadAsync<Shipment>(shipmentId, ct);
        if (shipment is null)
        {
            return Problems.From(ShipmentRefusals.NotFound(shipmentId));
        }

        if (routes.Get(shipment.RouteId).Route.ColdChain is not { } profile)
        {
            return Problems.From(ShipmentRefusals.NoColdChain(shipment));
        }

        var (state, evaluatedFrom) = await ledger.StatusAsync(shipmentId, ct);
        // Counts, extremes and MKT cover every reading, also those before a release.
        var temperatures = await ledger.TemperaturesAsync(shipmentId, ct);
        return TypedResults.Ok(new ColdChainView(shipmentId, profile.MinCelsius, profile.MaxCelsius, profile.HardMinCelsius,
            profile.HardMaxCelsius, profile.Allowance.TotalMinutes, temperatures.Count,
            temperatures.Count == 0 ? null : temperatures.Min(), temperatures.Count == 0 ? null : temperatures.Max(),
            MeanKineticTemperature.Of(temperatures), state.MinutesOutside, state.Excursions, state.CurrentExcursion,
            state.Breach, evaluatedFrom, shipment.Attributes.GetValueOrDefault(DeliveryAttribute.Name, DeliveryAttribute.Accepted)));
    }
}
