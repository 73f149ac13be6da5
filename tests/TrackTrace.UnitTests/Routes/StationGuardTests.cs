using TrackTrace.Domain.Routes;

namespace TrackTrace.UnitTests.Routes;

/// <summary>A leg that lists its stations accepts a check-in only at one of them.</summary>
public sealed class StationGuardTests : IDisposable
{
    private readonly ScratchWorkflows _workflows = new ScratchWorkflows()
        .With("rotterdam-export.yaml", """
            id: rotterdam-export
            legs:
              - type: factory
              - type: truck
                name: Shuttle to the depot
                optional: true
                stations: [TRUCK-SHUTTLE-1, TRUCK-SHUTTLE-2]
              - type: truck
                name: Long haul
                stations: [TRUCK-LONG-HAUL]
              - type: customs
                name: Export customs
                stations: [NLRTM-CUSTOMS-EXP]
              - type: destination
            """);

    public void Dispose() => _workflows.Dispose();

    [Fact]
    public void A_listed_station_completes_the_leg()
    {
        var leg = Workflow().TryCheckIn(3, "customs", "NLRTM-CUSTOMS-EXP");

        Assert.Equal((4, "Export customs"), (leg?.Number, leg?.Name));
    }

    [Fact]
    public void A_station_of_the_right_type_but_not_listed_is_refused() =>
        Assert.Null(Workflow().TryCheckIn(3, "customs", "DEHAM-CUSTOMS-EXP"));

    [Fact]
    public void Station_ids_are_matched_exactly() =>
        Assert.Null(Workflow().TryCheckIn(3, "customs", "nlrtm-customs-exp"));

    [Theory]
    [InlineData("TRUCK-SHUTTLE-1", 2)]
    [InlineData("TRUCK-SHUTTLE-2", 2)]
    [InlineData("TRUCK-LONG-HAUL", 3)] // the optional shuttle is skipped
    public void The_station_decides_which_of_two_truck_legs_a_scan_completes(string truck, int leg) =>
        Assert.Equal(leg, Workflow().TryCheckIn(1, "truck", truck)?.Number);

    [Fact]
    public void A_truck_in_neither_list_is_refused() =>
        Assert.Null(Workflow().TryCheckIn(1, "truck", "TRUCK-UNKNOWN"));

    [Fact]
    public void A_leg_without_a_name_is_named_after_its_station_type()
    {
        var route = Workflow().Route;

        Assert.Equal("factory", route.Legs[0].Name);
        Assert.Equal("destination", route.Legs[4].Name);
        Assert.Equal("rotterdam-export", route.Name);
        Assert.Null(route.Description);
        Assert.Null(route.ColdChain);
        Assert.Equal(["TRUCK-SHUTTLE-1", "TRUCK-SHUTTLE-2"], route.Legs[1].Stations);
    }

    [Fact]
    public void The_mermaid_diagram_shows_the_station_guards()
    {
        var diagram = Workflow().MermaidDiagram();

        Assert.Contains("Leg1 --> Leg2 : truck [station in TRUCK-SHUTTLE-1, TRUCK-SHUTTLE-2]", diagram);
        Assert.Contains("Leg1 --> Leg3 : truck [station in TRUCK-LONG-HAUL]", diagram);
        Assert.Contains("Leg3 --> Leg4 : customs [station in NLRTM-CUSTOMS-EXP]", diagram);
    }

    private RouteWorkflow Workflow()
    {
        Assert.True(RouteCatalog.Load(_workflows.Directory).TryGet("rotterdam-export", out var workflow));
        return workflow;
    }
}
