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
/// <param name="ExpectedWithin">
/// How long after the previous check-in (registration, for the first leg) this leg's check-in is
/// expected; null when the leg has no schedule (it is then never overdue).
/// </param>
/// <param name="Tolerance">How much later than <paramref name="ExpectedWithin"/> still counts as on time.</param>
/// <param name="Earliest">The earliest plausible time after the previous check-in; a check-in before it is early.</param>
public sealed record Leg(
    int Number,
    string StationType,
    string Name,
    bool Optional,
    IReadOnlyList<string> Stations,
    TimeSpan? ExpectedWithin = null,
    TimeSpan Tolerance = default,
    TimeSpan? Earliest = null);
