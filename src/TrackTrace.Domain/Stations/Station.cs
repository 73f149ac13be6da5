using System.Text.RegularExpressions;
using TrackTrace.Domain.Facts;

namespace TrackTrace.Domain.Stations;

/// <param name="Position">Where the station is, for the impossible-travel rule; null when not given.</param>
/// <param name="AllowedNetworks">CIDRs its scanners connect from (canonical form); none: any network.</param>
public sealed record StationRegistered(
    string StationId, string Type, string Name, string? Gln, string RegisteredBy, DateTimeOffset RegisteredAt,
    GeoPosition? Position = null, IReadOnlyList<string>? AllowedNetworks = null) : IStationFact;

/// <summary>A place where shipments are checked in (stream key <c>station-{id}</c>).</summary>
public sealed partial record Station
{
    public const string StreamPrefix = "station-";
    public const string IdRule = "2-64 characters A-Z, 0-9, '.', '_', '-' starting with A-Z or 0-9 (e.g. NLRTM-CUSTOMS-EXP)";

    /// <summary>The stream key, which Marten uses as the document id.</summary>
    public string Id { get; init; } = "";

    public string StationId { get; init; } = "";
    public string Type { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Gln { get; init; }

    /// <summary>Where the station is; null when it was registered without coordinates (a truck, say).</summary>
    public GeoPosition? Position { get; init; }

    /// <summary>The networks its scanners are expected to connect from (CIDRs); empty: any.</summary>
    public IReadOnlyList<string> AllowedNetworks { get; init; } = [];

    public string RegisteredBy { get; init; } = "";
    public DateTimeOffset RegisteredAt { get; init; }

    public static string StreamKey(string stationId) => StreamPrefix + stationId;

    public static Station Registered(StationRegistered e) => new()
    {
        Id = StreamKey(e.StationId),
        StationId = e.StationId,
        Type = e.Type,
        Name = e.Name,
        Gln = e.Gln,
        Position = e.Position,
        AllowedNetworks = e.AllowedNetworks ?? [],
        RegisteredBy = e.RegisteredBy,
        RegisteredAt = e.RegisteredAt,
    };

    /// <summary>A station is registered once and never changes.</summary>
    public static Station Fold(Station? state, object fact) => fact switch
    {
        StationRegistered e when state is null => Registered(e),
        StationRegistered => throw new InvalidOperationException($"station {state!.StationId} is already registered"),
        _ => throw new UnknownFactException(fact, nameof(Station) + "." + nameof(Fold)),
    };

    // \z, not $: $ also matches before a final line break, which would let "X-1\n" in as an id.
    [GeneratedRegex(@"^[A-Z0-9][A-Z0-9._-]{1,63}\z")]
    public static partial Regex IdPattern();

    /// <summary>A GS1 Global Location Number: 13 digits, the last a mod-10 check digit.</summary>
    public static bool IsValidGln(string gln) =>
        gln.Length == 13 && gln.All(char.IsAsciiDigit) &&
        Shipments.ShipmentId.Gs1CheckDigit(gln.AsSpan(0, 12)) == gln[12] - '0';
}
