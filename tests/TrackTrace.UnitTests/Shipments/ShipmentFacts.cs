using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;
using TrackTrace.UnitTests.Routes;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// One shipment's facts and scans, built the same way for the Given and the Then of a spec so the
/// events the decider emits can be compared by value. Every scan is the same scan (one id, one time):
/// a spec decides exactly one check-in.
/// </summary>
internal static class ShipmentFacts
{
    public const string Reference = "ACME-PO-4711";
    public const string Scanner = "SCANNER-7";
    public static readonly Guid ScanId = Guid.Parse("0195a3c0-0000-7000-8000-000000004711");
    public static readonly DateTimeOffset RegisteredAt = new(2025, 3, 3, 7, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ScannedAt = new(2025, 3, 4, 9, 30, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ReceivedAt = ScannedAt.AddSeconds(2);

    private static readonly RouteCatalog Catalog = RouteCatalog.Load(WorkflowFolders.Shipped);

    public static RouteWorkflow Workflow(string routeId) => Catalog.Get(routeId);

    public static Leg Leg(string routeId, int number) => Workflow(routeId).Route.Legs[number - 1];

    /// <summary>A station id that reads like the place: <c>CUSTOMS-3</c> serves leg 3.</summary>
    public static string StationAt(string stationType, int legNumber) => $"{stationType.ToUpperInvariant()}-{legNumber}";

    /// <summary>The scanner at a station checks the shipment in.</summary>
    public static CheckInShipment ScanAt(string stationType, string? stationId = null, double? celsius = null) =>
        new(ScanId, stationId ?? $"{stationType.ToUpperInvariant()}-X", stationType, Scanner, ScannedAt, ReceivedAt, celsius);

    public static ShipmentRegistered Registered(string routeId) =>
        new(Reference, routeId, "12 pallets of vaccine", "ADMIN-1", RegisteredAt);

    /// <summary>The check-in that completes leg <paramref name="legNumber"/> of the route, at <see cref="StationAt"/>.</summary>
    public static StationCheckedIn CheckedIn(string routeId, int legNumber, string? stationId = null, double? celsius = null)
    {
        var leg = Leg(routeId, legNumber);
        return new StationCheckedIn(Reference, ScanId, leg.Number, leg.Name, leg.StationType,
            stationId ?? StationAt(leg.StationType, leg.Number), Scanner, ScannedAt, ReceivedAt, celsius);
    }

    /// <summary>Registered, then checked in at every leg up to and including <paramref name="through"/>.</summary>
    public static object[] Journey(string routeId, int through) =>
        [Registered(routeId), .. Enumerable.Range(1, through).Select(number => CheckedIn(routeId, number))];

    public static ShipmentDelivered DeliveredAt(string stationId) => new(Reference, ScanId, stationId, Scanner, ScannedAt);

    public static ColdChainBreached ColdChainBreached() =>
        new(Reference, BreachRules.HardLimit, "16.2 °C is above the hard limit of 15 °C", 2, 8, -1, 15, 30, 0,
            [new TemperatureSample("LOGGER-1", ScannedAt.AddHours(-3), 16.2)], ScannedAt.AddHours(-3), ScannedAt.AddHours(-3));

    public static DeliveryRefused RefusedAt(string stationId) =>
        new(Reference, ScanId, stationId, Scanner, "the shipment's delivery attribute is 'refused' after a cold-chain breach", ScannedAt);

    public static DeliveryReleased DeliveryReleased() =>
        new(Reference, "ADMIN-1", "the lab cleared the batch", ScannedAt.AddHours(-1));

    public static ReturnCheckedIn ReturnCheckedIn(string stationType, string stationId) =>
        new(Reference, ScanId, stationType, stationId, Scanner, ScannedAt, ReceivedAt, null);
}
