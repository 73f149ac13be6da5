namespace TrackTrace.Cli.Demo;

/// <summary>A place the demo registers; the <c>DEMO-</c> prefix keeps it apart from real stations.</summary>
internal sealed record DemoStation(string Id, string Type, string Name)
{
    /// <summary>The id without the prefix, lower case, for device ids: <c>nlrtm-port</c>.</summary>
    public string ShortName => Id["DEMO-".Length..].ToLowerInvariant();
}

/// <summary>
/// The demo's stations and which of them serves each leg of the routes it drives, in leg order.
/// The routes themselves come from workflows/ on the service; these lists only have to agree with
/// their station types, which the service checks on every scan.
/// </summary>
internal static class DemoNetwork
{
    public static readonly DemoStation RotterdamPlant = new("DEMO-NLRTM-FACTORY", "factory", "Demo: Rotterdam pharma plant");
    public static readonly DemoStation RotterdamTruck = new("DEMO-NL-TRUCK-1", "truck", "Demo: truck NL-1, Rotterdam");
    public static readonly DemoStation ExportCustoms = new("DEMO-NLRTM-CUSTOMS-EXP", "customs", "Demo: Rotterdam export customs");
    public static readonly DemoStation Rotterdam = new("DEMO-NLRTM-PORT", "port", "Demo: Port of Rotterdam, Maasvlakte reefer terminal");
    public static readonly DemoStation ImportCustoms = new("DEMO-SGSIN-CUSTOMS-IMP", "customs", "Demo: Singapore import customs");
    public static readonly DemoStation SingaporeTruck = new("DEMO-SG-TRUCK-1", "truck", "Demo: truck SG-1, Singapore");
    public static readonly DemoStation SingaporeWarehouse = new("DEMO-SG-DC", "destination", "Demo: Singapore distribution centre");

    public static readonly DemoStation EindhovenFactory = new("DEMO-NLEIN-FACTORY", "factory", "Demo: Eindhoven bicycle factory");
    public static readonly DemoStation EindhovenTruck = new("DEMO-NL-TRUCK-2", "truck", "Demo: truck NL-2, Eindhoven");
    public static readonly DemoStation AmsterdamWarehouse = new("DEMO-NLAMS-DC", "destination", "Demo: Amsterdam distribution centre");

    /// <summary>ocean-reefer: factory, truck, customs, port, customs, truck, destination.</summary>
    public static readonly IReadOnlyList<DemoStation> OceanReefer =
        [RotterdamPlant, RotterdamTruck, ExportCustoms, Rotterdam, ImportCustoms, SingaporeTruck, SingaporeWarehouse];

    /// <summary>road-domestic: factory, truck, destination.</summary>
    public static readonly IReadOnlyList<DemoStation> RoadDomestic = [EindhovenFactory, EindhovenTruck, AmsterdamWarehouse];

    public static readonly IReadOnlyList<DemoStation> Stations = [.. OceanReefer, .. RoadDomestic];

    /// <summary>The index of the leg <paramref name="station"/> serves on <paramref name="route"/>.</summary>
    public static int LegOf(IReadOnlyList<DemoStation> route, DemoStation station)
    {
        for (var leg = 0; leg < route.Count; leg++)
        {
            if (route[leg] == station)
            {
                return leg;
            }
        }

        throw new ArgumentException($"{station.Id} serves no leg of this route", nameof(station));
    }
}
