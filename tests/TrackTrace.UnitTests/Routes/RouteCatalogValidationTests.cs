using TrackTrace.Domain.Routes;

namespace TrackTrace.UnitTests.Routes;

/// <summary>
/// A bad workflow file stops the service at start-up with the file, the field and the problem
/// named, so whoever edits routes can fix them without reading code.
/// </summary>
public sealed class RouteCatalogValidationTests
{
    private const string GoodLegs = """
        legs:
          - type: factory
          - type: truck
          - type: destination
        """;

    [Fact]
    public void Invalid_yaml_is_refused_with_its_line_and_column()
    {
        var problem = Refused("broken.yaml", """
            id: broken
            legs: [
              - type: factory
            """, "(yaml)", "not valid YAML");

        Assert.Equal(3, problem.Line);
        Assert.NotNull(problem.Column);
    }

    [Fact]
    public void An_empty_file_is_refused() =>
        Refused("empty.yaml", "", "(yaml)", "the file is empty");

    [Fact]
    public void An_unknown_top_level_field_is_named_with_the_accepted_fields() =>
        Refused("colourful.yaml", $"""
            id: colourful
            colour: red
            {GoodLegs}
            """, "colour", "unknown field 'colour'; accepted fields: id, name, description, coldChain, legs");

    [Fact]
    public void An_unknown_leg_field_is_named_with_the_accepted_fields() =>
        Refused("typo.yaml", """
            id: typo
            legs:
              - type: factory
              - type: truck
                optinal: true
              - type: destination
            """, "legs[1].optinal", "unknown field 'optinal'; accepted fields: type, name, optional, stations, expectedWithin, tolerance, earliest");

    [Fact]
    public void An_unknown_cold_chain_field_is_named_with_the_accepted_fields() =>
        Refused("cold.yaml", $"""
            id: cold
            coldChain:
              minCelsius: 2
              maxCelsius: 8
              allowanceMinutes: 30
              maxHumidity: 80
            {GoodLegs}
            """, "coldChain.maxHumidity", "unknown field 'maxHumidity'; accepted fields: minCelsius, maxCelsius, allowanceMinutes, hardMinCelsius, hardMaxCelsius");

    [Fact]
    public void A_missing_id_is_refused() =>
        Refused("no-id.yaml", $"""
            name: No id
            {GoodLegs}
            """, "id", "missing");

    [Fact]
    public void An_empty_id_is_refused() =>
        Refused("empty-id.yaml", $"""
            id: ""
            {GoodLegs}
            """, "id", "empty");

    [Theory]
    [InlineData("Ocean_Reefer")]
    [InlineData("a")]
    [InlineData("-leading-dash")]
    public void An_id_outside_the_pattern_is_refused(string id) =>
        Refused($"{id}.yaml", $"""
            id: "{id}"
            {GoodLegs}
            """, "id", $"'{id}' is not a valid id");

    [Fact]
    public void An_id_that_differs_from_the_file_name_is_refused() =>
        Refused("road-export.yaml", $"""
            id: road-import
            {GoodLegs}
            """, "id", "'road-import' does not match the file name 'road-export'");

    [Fact]
    public void The_same_id_in_two_files_is_refused_naming_both()
    {
        var route = $"""
            id: twice
            {GoodLegs}
            """;
        using var workflows = new ScratchWorkflows().With("twice.yaml", route).With("twice.yml", route);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal("workflows/twice.yml", refusal.File);
        Assert.Equal("id", refusal.Field);
        Assert.Equal("duplicate route id 'twice': workflows/twice.yaml defines it already", refusal.Problem);
    }

    [Fact]
    public void A_route_without_legs_is_refused() =>
        Refused("legless.yaml", """
            id: legless
            name: Nowhere
            """, "legs", "no legs");

    [Fact]
    public void A_route_with_an_empty_leg_list_is_refused() =>
        Refused("legless.yaml", """
            id: legless
            legs: []
            """, "legs", "no legs");

    [Fact]
    public void A_leg_without_a_type_is_refused() =>
        Refused("typeless.yaml", """
            id: typeless
            legs:
              - type: factory
              - name: Somehow
              - type: destination
            """, "legs[1].type", "missing: every leg needs a station type");

    [Fact]
    public void An_unknown_station_type_is_refused_listing_the_known_ones()
    {
        using var workflows = new ScratchWorkflows().With("ocean-reefer.yaml", """
            id: ocean-reefer
            legs:
              - type: factory
              - type: truck
              - type: custom
              - type: destination
            """);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal("workflows/ocean-reefer.yaml", refusal.File);
        Assert.Equal("legs[2].type", refusal.Field);
        Assert.StartsWith(
            "workflows/ocean-reefer.yaml: legs[2].type: unknown station type 'custom'; known types: factory, truck, rail, customs, port, airport, cross-dock, warehouse, destination",
            refusal.Message);
    }

    [Fact]
    public void An_optional_first_leg_is_refused() =>
        Refused("lax-start.yaml", """
            id: lax-start
            legs:
              - type: factory
                optional: true
              - type: truck
              - type: destination
            """, "legs[0].optional", "the first leg cannot be optional");

    [Fact]
    public void An_optional_last_leg_is_refused() =>
        Refused("lax-end.yaml", """
            id: lax-end
            legs:
              - type: factory
              - type: truck
              - type: destination
                optional: true
            """, "legs[2].optional", "the last leg cannot be optional");

    [Fact]
    public void An_optional_flag_that_is_not_true_or_false_is_refused() =>
        Refused("maybe.yaml", """
            id: maybe
            legs:
              - type: factory
              - type: warehouse
                optional: perhaps
              - type: destination
            """, "legs[1].optional", "expected true or false, found 'perhaps'");

    [Theory]
    [InlineData(8, 2)]
    [InlineData(5, 5)]
    public void A_minimum_not_below_the_maximum_is_refused(double min, double max) =>
        Refused("upside-down.yaml", $"""
            id: upside-down
            coldChain:
              minCelsius: {min}
              maxCelsius: {max}
              allowanceMinutes: 30
            {GoodLegs}
            """, "coldChain.minCelsius", $"minCelsius ({min}) must be below maxCelsius ({max})");

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void An_allowance_that_is_not_positive_is_refused(double minutes) =>
        Refused("no-slack.yaml", $"""
            id: no-slack
            coldChain:
              minCelsius: 2
              maxCelsius: 8
              allowanceMinutes: {minutes}
            {GoodLegs}
            """, "coldChain.allowanceMinutes", $"allowanceMinutes ({minutes}) must be positive");

    [Fact]
    public void A_cold_chain_without_its_range_is_refused() =>
        Refused("half-cold.yaml", $"""
            id: half-cold
            coldChain:
              minCelsius: 2
              allowanceMinutes: 30
            {GoodLegs}
            """, "coldChain.maxCelsius", "missing");

    [Fact]
    public void A_temperature_that_is_not_a_number_is_refused() =>
        Refused("warmish.yaml", $"""
            id: warmish
            coldChain:
              minCelsius: 2
              maxCelsius: warm
              allowanceMinutes: 30
            {GoodLegs}
            """, "coldChain.maxCelsius", "expected a number, found 'warm'");

    [Fact]
    public void A_hard_minimum_above_the_minimum_is_refused() =>
        Refused("hard-min.yaml", $"""
            id: hard-min
            coldChain:
              minCelsius: 2
              maxCelsius: 8
              allowanceMinutes: 30
              hardMinCelsius: 3
            {GoodLegs}
            """, "coldChain.hardMinCelsius", "hardMinCelsius (3) must not be above minCelsius (2)");

    [Fact]
    public void A_hard_maximum_below_the_maximum_is_refused() =>
        Refused("hard-max.yaml", $"""
            id: hard-max
            coldChain:
              minCelsius: 2
              maxCelsius: 8
              allowanceMinutes: 30
              hardMaxCelsius: 7.5
            {GoodLegs}
            """, "coldChain.hardMaxCelsius", "hardMaxCelsius (7.5) must not be below maxCelsius (8)");

    [Fact]
    public void A_station_listed_twice_in_a_leg_is_refused() =>
        Refused("echo.yaml", """
            id: echo
            legs:
              - type: factory
              - type: customs
                stations: [NLRTM-CUSTOMS-EXP, DEHAM-CUSTOMS-EXP, NLRTM-CUSTOMS-EXP]
              - type: destination
            """, "legs[1].stations[2]", "duplicate station id 'NLRTM-CUSTOMS-EXP'");

    [Fact]
    public void An_optional_leg_followed_by_a_leg_of_the_same_type_is_refused_as_ambiguous() =>
        Refused("two-trucks.yaml", """
            id: two-trucks
            legs:
              - type: factory
              - type: truck
                optional: true
              - type: truck
              - type: destination
            """, "legs[2]", "ambiguous route: after leg 1, a 'truck' check-in could complete leg 2 (truck, optional) or leg 3 (truck) because both accept any 'truck' station");

    [Fact]
    public void Legs_that_could_both_take_a_scan_are_ambiguous_even_past_several_optional_legs() =>
        Refused("hops.yaml", """
            id: hops
            legs:
              - type: factory
              - type: warehouse
                optional: true
                stations: [WH-1]
              - type: cross-dock
                optional: true
              - type: warehouse
                stations: [WH-2, WH-1]
              - type: destination
            """, "legs[3]", "leg 2 (warehouse, optional) or leg 4 (warehouse) because both accept 'WH-1'");

    [Fact]
    public void Legs_of_the_same_type_with_disjoint_stations_are_not_ambiguous()
    {
        using var workflows = new ScratchWorkflows().With("two-trucks.yaml", """
            id: two-trucks
            legs:
              - type: factory
              - type: truck
                optional: true
                stations: [TRUCK-SHUTTLE]
              - type: truck
                stations: [TRUCK-LONG-HAUL]
              - type: destination
            """);

        var catalog = RouteCatalog.Load(workflows.Directory);

        Assert.Equal(["two-trucks"], catalog.Routes.Select(route => route.Id));
    }

    [Fact]
    public void Every_problem_in_the_folder_is_reported_at_once()
    {
        using var workflows = new ScratchWorkflows()
            .With("first.yaml", """
                id: first
                colour: red
                legs:
                  - type: factory
                    optional: true
                  - type: destination
                """)
            .With("second.yaml", """
                id: second
                legs: []
                """);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal(
            [
                ("workflows/first.yaml", "colour"),
                ("workflows/first.yaml", "legs[0].optional"),
                ("workflows/second.yaml", "legs"),
            ],
            refusal.Problems.Select(problem => (problem.File, problem.Field)));
        Assert.Equal(3, refusal.Message.Split(Environment.NewLine).Length);
        Assert.Equal(("workflows/first.yaml", "colour"), (refusal.File, refusal.Field));
    }

    [Fact]
    public void A_folder_without_station_types_is_refused()
    {
        using var workflows = new ScratchWorkflows(withStationTypes: false).With("road.yaml", $"""
            id: road
            {GoodLegs}
            """);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal("workflows/station-types.yaml", refusal.File);
        Assert.Contains("not found", refusal.Problem);
    }

    [Fact]
    public void An_unknown_field_in_a_station_type_is_refused()
    {
        using var workflows = new ScratchWorkflows(withStationTypes: false)
            .With("station-types.yaml", """
                stationTypes:
                  - id: factory
                    description: Where goods are made.
                    colour: grey
                """)
            .With("road.yaml", """
                id: road
                legs:
                  - type: factory
                """);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal("workflows/station-types.yaml", refusal.File);
        Assert.Equal("stationTypes[0].colour", refusal.Field);
        Assert.Contains("unknown field 'colour'; accepted fields: id, description", refusal.Problem);
    }

    [Fact]
    public void A_station_type_listed_twice_is_refused()
    {
        using var workflows = new ScratchWorkflows(withStationTypes: false)
            .With("station-types.yaml", """
                stationTypes:
                  - id: truck
                    description: A lorry.
                  - id: truck
                    description: Another lorry.
                """)
            .With("road.yaml", """
                id: road
                legs:
                  - type: truck
                """);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal(("workflows/station-types.yaml", "stationTypes[1].id"), (refusal.File, refusal.Field));
        Assert.Contains("station type 'truck' is listed twice", refusal.Problem);
    }

    /// <summary>
    /// Writes one route file next to the shipped station types, loads the folder and checks the
    /// refusal names the file, the field and the problem, in the exception and its message.
    /// </summary>
    private static RouteDefinitionProblem Refused(string fileName, string yaml, string field, string problem)
    {
        using var workflows = new ScratchWorkflows().With(fileName, yaml);

        var refusal = Assert.Throws<RouteDefinitionException>(() => RouteCatalog.Load(workflows.Directory));

        Assert.Equal($"workflows/{fileName}", refusal.File);
        Assert.Equal(field, refusal.Field);
        Assert.Contains(problem, refusal.Problem);
        Assert.StartsWith($"workflows/{fileName}: {field}: ", refusal.Message);
        return refusal.Problems[0];
    }
}
