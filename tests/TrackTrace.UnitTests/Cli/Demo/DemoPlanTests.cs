using TrackTrace.Cli.Demo;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;
using TrackTrace.UnitTests.Routes;

namespace TrackTrace.UnitTests.Cli.Demo;

/// <summary>The demo's script agrees with the shipped routes and the domain's rules before it ever meets a service.</summary>
public sealed class DemoPlanTests
{
    private static readonly RouteCatalog Shipped = RouteCatalog.Load(WorkflowFolders.Shipped);
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 6, 0, 0, TimeSpan.Zero);

    private static ColdChainProfile OceanReefer => Shipped.Get("ocean-reefer").Route.ColdChain!;

    [Theory]
    [InlineData("ocean-reefer")]
    [InlineData("road-domestic")]
    public void Each_leg_has_a_demo_station_of_the_type_the_route_names(string route)
    {
        var stations = route == "ocean-reefer" ? DemoNetwork.OceanReefer : DemoNetwork.RoadDomestic;
        Assert.Equal(
            Shipped.Get(route).Route.Legs.Select(leg => leg.StationType),
            stations.Select(station => station.Type));
    }

    [Fact]
    public void Demo_stations_have_ids_the_service_accepts_and_types_it_knows()
    {
        foreach (var station in DemoNetwork.Stations)
        {
            Assert.Matches(@"^[A-Z0-9][A-Z0-9._-]{1,63}\z", station.Id);
            Assert.True(Shipped.IsKnownStationType(station.Type), station.Id);
        }
    }

    [Fact]
    public void A_new_sscc_carries_the_check_digit_the_service_demands()
    {
        for (var i = 0; i < 200; i++)
        {
            var sscc = Sscc.New();
            Assert.True(ShipmentId.IsValid(sscc, out var problem), problem);
            Assert.StartsWith("0" + Sscc.DemoCompanyPrefix, sscc);
        }
    }

    [Fact]
    public void A_trace_without_failure_stays_inside_the_ocean_reefer_range_for_hours()
    {
        var readings = new TemperatureTrace(Start, seed: 42).Between(Start, Start.AddHours(10));

        Assert.Equal(200, readings.Count);
        Assert.All(readings, r => Assert.InRange(r.Celsius, OceanReefer.MinCelsius, OceanReefer.MaxCelsius));
        var state = ColdChainRules.Evaluate(OceanReefer, Samples(readings));
        Assert.Null(state.Breach);
        Assert.Equal(TimeSpan.Zero, state.TimeOutside);
    }

    [Fact]
    public void A_reefer_failure_breaks_the_allowance_when_it_runs_out_and_no_hard_limit()
    {
        var failure = new ReeferFailure(TemperatureTrace.OnGrid(Start, Start.AddMinutes(100)), TimeSpan.FromMinutes(48));
        var readings = new TemperatureTrace(Start, seed: 7, failure).Between(Start, Start.AddHours(5));

        var state = ColdChainRules.Evaluate(OceanReefer, Samples(readings));

        Assert.Equal(TimeSpan.FromMinutes(48), state.TimeOutside);
        Assert.Equal(BreachRules.AllowanceExceeded, state.Breach?.Rule);
        Assert.Equal(failure.From + OceanReefer.Allowance, state.Breach?.At);
        Assert.All(readings.Where(r => r.At >= failure.From && r.At < failure.Until),
            r => Assert.InRange(r.Celsius, OceanReefer.MaxCelsius + 0.1, OceanReefer.HardMaxCelsius!.Value - 0.1));
    }

    [Fact]
    public void Readings_asked_for_leg_by_leg_are_the_same_as_all_at_once()
    {
        var trace = new TemperatureTrace(Start, seed: 3);
        var legs = Journey.Schedule(Start, Start.AddHours(7), Journey.OceanReeferShares);
        var byLeg = legs.Zip(legs.Skip(1), (from, until) => trace.Between(from, until)).SelectMany(r => r);

        Assert.Equal(trace.Between(Start, legs[^1]), byLeg);
    }

    private static IEnumerable<TemperatureSample> Samples(IEnumerable<Reading> readings) =>
        readings.Select(r => new TemperatureSample("demo-sensor", r.At, r.Celsius));
}
