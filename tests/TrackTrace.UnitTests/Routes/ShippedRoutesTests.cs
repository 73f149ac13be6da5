using TrackTrace.Domain.Routes;

namespace TrackTrace.UnitTests.Routes;

/// <summary>
/// The routes shipped in <c>workflows/</c>: they load, and a check-in is accepted only at the
/// next allowed station.
/// </summary>
public sealed class ShippedRoutesTests
{
    private static readonly RouteCatalog Catalog = RouteCatalog.Load(WorkflowFolders.Shipped);

    [Fact]
    public void The_shipped_workflows_folder_loads_every_route_and_station_type()
    {
        Assert.Equal(["ocean-reefer", "road-crossdock", "road-domestic"], Catalog.Routes.Select(route => route.Id));
        Assert.Equal(
            ["factory", "truck", "rail", "customs", "port", "airport", "cross-dock", "warehouse", "destination"],
            Catalog.StationTypes.Select(type => type.Id));
        Assert.All(Catalog.StationTypes, type => Assert.False(string.IsNullOrWhiteSpace(type.Description)));
        Assert.True(Catalog.IsKnownStationType("cross-dock"));
        Assert.False(Catalog.IsKnownStationType("custom"));
        Assert.False(Catalog.TryGet("teleport", out _));
    }

    [Fact]
    public void Ocean_reefer_is_a_cold_chain_by_sea_with_customs_on_both_sides()
    {
        var route = Workflow("ocean-reefer").Route;

        Assert.Equal("Ocean reefer (cold chain)", route.Name);
        Assert.Equal(
            ["factory", "truck", "customs", "port", "customs", "truck", "destination"],
            route.Legs.Select(leg => leg.StationType));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], route.Legs.Select(leg => leg.Number));
        Assert.Equal("Export customs", route.Legs[2].Name);
        Assert.Equal("Port of loading, on the ship", route.Legs[3].Name);
        Assert.Equal("Import customs", route.Legs[4].Name);
        Assert.All(route.Legs, leg => Assert.False(leg.Optional));
        Assert.All(route.Legs, leg => Assert.Empty(leg.Stations));
        Assert.Equal(new ColdChainProfile(2, 8, TimeSpan.FromMinutes(30), -1, 15), route.ColdChain);
    }

    [Fact]
    public void Road_routes_have_no_cold_chain()
    {
        Assert.Null(Workflow("road-domestic").Route.ColdChain);
        Assert.Null(Workflow("road-crossdock").Route.ColdChain);
    }

    [Theory]
    [InlineData("ocean-reefer", new[] { "factory", "truck", "customs", "port", "customs", "truck", "destination" })]
    [InlineData("road-domestic", new[] { "factory", "truck", "destination" })]
    [InlineData("road-crossdock", new[] { "factory", "truck", "cross-dock", "truck", "destination" })]
    public void A_full_journey_completes_each_leg_in_turn_and_ends_delivered(string routeId, string[] stationTypes)
    {
        var workflow = Workflow(routeId);
        var progress = 0;

        foreach (var (stationType, number) in stationTypes.Select((type, index) => (type, index + 1)))
        {
            Assert.False(workflow.IsDelivered(progress));
            Assert.Contains(workflow.ExpectedNext(progress), leg => leg.Number == number);

            var leg = workflow.TryCheckIn(progress, stationType, $"{stationType.ToUpperInvariant()}-{number}");

            Assert.NotNull(leg);
            Assert.Equal(number, leg.Number);
            Assert.Equal(stationType, leg.StationType);
            progress = leg.Number;
        }

        Assert.True(workflow.IsDelivered(progress));
        Assert.Equal(stationTypes.Length, progress);
    }

    [Fact]
    public void Ocean_reefer_expects_exactly_the_next_leg_at_every_step()
    {
        var workflow = Workflow("ocean-reefer");

        for (var progress = 0; progress < 7; progress++)
        {
            Assert.Equal([progress + 1], workflow.ExpectedNext(progress).Select(leg => leg.Number));
        }
    }

    [Fact]
    public void Customs_twice_resolves_to_export_then_import_customs()
    {
        var workflow = Workflow("ocean-reefer");

        var export = workflow.TryCheckIn(2, "customs", "NLRTM-CUSTOMS");
        var import = workflow.TryCheckIn(4, "customs", "USNYC-CUSTOMS");

        Assert.Equal((3, "Export customs"), (export?.Number, export?.Name));
        Assert.Equal((5, "Import customs"), (import?.Number, import?.Name));
    }

    [Fact]
    public void Customs_is_refused_while_the_shipment_is_on_the_ship()
    {
        // Export customs done (3) is followed by the port, not by import customs.
        Assert.Null(Workflow("ocean-reefer").TryCheckIn(3, "customs", "USNYC-CUSTOMS"));
    }

    [Theory]
    [InlineData(0, "truck")] // the factory has not dispatched it yet
    [InlineData(1, "customs")] // the truck to the port is mandatory
    [InlineData(2, "port")] // export customs is mandatory
    [InlineData(5, "destination")] // the last truck is mandatory
    public void Skipping_a_mandatory_leg_is_refused(int progress, string stationType) =>
        Assert.Null(Workflow("ocean-reefer").TryCheckIn(progress, stationType, "ANY-1"));

    [Theory]
    [InlineData(3, "truck")]
    [InlineData(4, "factory")]
    [InlineData(6, "port")]
    [InlineData(2, "truck")] // the leg just completed, scanned again
    public void Going_backwards_is_refused(int progress, string stationType) =>
        Assert.Null(Workflow("ocean-reefer").TryCheckIn(progress, stationType, "ANY-1"));

    [Fact]
    public void A_station_type_the_route_never_visits_is_refused() =>
        Assert.Null(Workflow("road-domestic").TryCheckIn(1, "airport", "NLAMS-CARGO"));

    [Theory]
    [InlineData("ocean-reefer", 7)]
    [InlineData("road-domestic", 3)]
    [InlineData("road-crossdock", 5)]
    public void Nothing_is_expected_or_accepted_after_delivery(string routeId, int delivered)
    {
        var workflow = Workflow(routeId);

        Assert.True(workflow.IsDelivered(delivered));
        Assert.Empty(workflow.ExpectedNext(delivered));
        Assert.All(Catalog.StationTypes, type => Assert.Null(workflow.TryCheckIn(delivered, type.Id, "ANY-1")));
    }

    [Fact]
    public void After_the_first_truck_a_cross_dock_route_expects_the_cross_dock_or_the_last_truck()
    {
        var expected = Workflow("road-crossdock").ExpectedNext(2);

        Assert.Equal([(3, "cross-dock", true), (4, "truck", false)], expected.Select(leg => (leg.Number, leg.StationType, leg.Optional)));
    }

    [Fact]
    public void The_optional_cross_dock_can_be_taken()
    {
        var workflow = Workflow("road-crossdock");

        var crossDock = workflow.TryCheckIn(2, "cross-dock", "NLVEN-XDOCK");
        var lastTruck = workflow.TryCheckIn(3, "truck", "TRUCK-77");

        Assert.Equal(3, crossDock?.Number);
        Assert.Equal(4, lastTruck?.Number);
    }

    [Fact]
    public void The_optional_cross_dock_can_be_skipped()
    {
        var lastTruck = Workflow("road-crossdock").TryCheckIn(2, "truck", "TRUCK-77");

        Assert.Equal((4, "Last-mile truck"), (lastTruck?.Number, lastTruck?.Name));
    }

    [Fact]
    public void The_cross_dock_is_refused_once_the_last_truck_has_it() =>
        Assert.Null(Workflow("road-crossdock").TryCheckIn(4, "cross-dock", "NLVEN-XDOCK"));

    [Fact]
    public void An_optional_leg_does_not_let_a_mandatory_one_be_skipped() =>
        Assert.Null(Workflow("road-crossdock").TryCheckIn(2, "destination", "CONSIGNEE-1"));

    [Theory]
    [InlineData(-1)]
    [InlineData(8)]
    public void A_progress_outside_the_route_is_a_programming_error(int progress)
    {
        var workflow = Workflow("ocean-reefer");

        Assert.Throws<ArgumentOutOfRangeException>(() => workflow.TryCheckIn(progress, "truck", "T-1"));
        Assert.Throws<ArgumentOutOfRangeException>(() => workflow.ExpectedNext(progress));
        Assert.Throws<ArgumentOutOfRangeException>(() => workflow.IsDelivered(progress));
    }

    [Theory]
    [InlineData("ocean-reefer", new[] { "Registered", "1 factory", "2 truck", "3 customs", "4 port", "5 customs", "6 truck", "Delivered" })]
    [InlineData("road-domestic", new[] { "Registered", "1 factory", "2 truck", "Delivered" })]
    [InlineData("road-crossdock", new[] { "Registered", "1 factory", "2 truck", "3 cross-dock", "4 truck", "Delivered" })]
    public void The_mermaid_diagram_shows_every_state(string routeId, string[] states)
    {
        var diagram = Workflow(routeId).MermaidDiagram();

        Assert.StartsWith("stateDiagram-v2", diagram);
        Assert.All(states, state => Assert.Contains(state, diagram));
        Assert.Contains("[*] --> Registered", diagram);
        Assert.Contains("Delivered --> [*]", diagram);
    }

    [Fact]
    public void The_mermaid_diagram_names_states_for_people_and_labels_transitions_with_station_types() =>
        Assert.Equal(
            """
            stateDiagram-v2
            	Leg1 : 1 factory
            	Leg2 : 2 truck
            	Registered --> Leg1 : factory
            	Leg1 --> Leg2 : truck
            	Leg2 --> Delivered : destination
            	[*] --> Registered
            	Delivered --> [*]

            """,
            Workflow("road-domestic").MermaidDiagram());

    [Fact]
    public void The_mermaid_diagram_draws_the_skip_past_an_optional_leg()
    {
        var diagram = Workflow("road-crossdock").MermaidDiagram();

        Assert.Contains("Leg2 --> Leg3 : cross-dock", diagram);
        Assert.Contains("Leg2 --> Leg4 : truck", diagram);
        Assert.Contains("Leg3 --> Leg4 : truck", diagram);
    }

    [Fact]
    public void Check_ins_from_many_threads_at_once_get_the_same_answers()
    {
        var workflow = Workflow("ocean-reefer");
        var journey = new[] { "factory", "truck", "customs", "port", "customs", "truck", "destination" };

        var wrong = 0;
        Parallel.For(0, 2_000, _ =>
        {
            for (var progress = 0; progress < journey.Length; progress++)
            {
                if (workflow.TryCheckIn(progress, journey[progress], "ANY-1")?.Number != progress + 1
                    || workflow.TryCheckIn(progress, "airport", "ANY-1") is not null)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        });

        Assert.Equal(0, wrong);
    }

    private static RouteWorkflow Workflow(string routeId)
    {
        Assert.True(Catalog.TryGet(routeId, out var workflow), $"route {routeId} is not in the catalog");
        return workflow;
    }
}
