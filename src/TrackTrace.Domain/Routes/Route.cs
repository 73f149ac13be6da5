namespace TrackTrace.Domain.Routes;

/// <summary>
/// A route template loaded from <c>workflows/&lt;id&gt;.yaml</c>: the legs a shipment travels,
/// in order, and the temperatures it must be kept at, if any.
/// </summary>
public sealed record Route(
    string Id,
    string Name,
    string? Description,
    IReadOnlyList<Leg> Legs,
    ColdChainProfile? ColdChain);

/// <summary>
/// One leg of a route: completed by a check-in at a station of <see cref="StationType"/>.
/// </summary>
/// <param name="Number">1-based position in the route.</param>
/// <param name="Name">Human name; the station type when the file gives none.</param>
/// <param name="Optional">May be skipped (never the first or last leg).</param>
/// <param name="Stations">Station ids allowed to serve this leg; empty means any station of the type.</param>
public sealed record Leg(
    int Number,
    string StationType,
    string Name,
    bool Optional,
    IReadOnlyList<string> Stations);
