using System.Text.Json;
using TrackTrace.Domain.ColdChain;
using static TrackTrace.UnitTests.ColdChain.Reefer;

namespace TrackTrace.UnitTests.ColdChain;

/// <summary>The state is stored as a JSON document and must come back as it went in.</summary>
public sealed class ColdChainStateJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void The_state_survives_a_json_round_trip()
    {
        // Given a state with every part filled: finished and open excursions, a breach, its evidence
        var state = Given(
            Reading("10:00", 9, "DOOR"), Reading("10:20:00.1234567", 5.25, "MIDDLE"),
            Reading("10:40", 1.5, "DOOR"), Reading("11:05", 1.9, "DOOR"), Reading("11:06", 20, "MIDDLE"));
        Assert.NotNull(state.CurrentExcursion);
        Assert.NotEmpty(state.Excursions);
        Assert.NotNull(state.Breach);

        // When it is written and read back
        var json = JsonSerializer.Serialize(state, Web);
        var read = JsonSerializer.Deserialize<ColdChainState>(json, Web);

        // Then nothing is lost or changed
        Assert.NotNull(read);
        Assert.Equivalent(state, read, strict: true);
        Assert.Equal(json, JsonSerializer.Serialize(read, Web));
        Assert.Equal(state.ArrheniusSum, read.ArrheniusSum);
        Assert.Equal(state.TimeOutside, read.TimeOutside);
        Assert.Contains("\"currentExcursion\":{\"direction\":\"above\"", json);
    }

    [Fact]
    public void The_empty_state_survives_a_json_round_trip()
    {
        var read = JsonSerializer.Deserialize<ColdChainState>(JsonSerializer.Serialize(ColdChainState.Empty, Web), Web);

        Assert.Equivalent(ColdChainState.Empty, read, strict: true);
    }
}
