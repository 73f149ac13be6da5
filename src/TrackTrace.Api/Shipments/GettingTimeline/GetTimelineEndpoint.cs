using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Routes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.GettingTimeline;

/// <summary>
/// One fact of a shipment's life: what, when it happened, when it was recorded, who and where. A
/// check-in after its leg's due time carries <see cref="Late"/> (how late, ISO-8601), one before its
/// earliest plausible time <see cref="Early"/>; both are null otherwise.
/// </summary>
public sealed record TimelineEntry(
    long Version, string Fact, DateTimeOffset At, DateTimeOffset RecordedAt, string? Who, string? Where, string Summary, object Data,
    string? Late = null, string? Early = null);

/// <summary>GET /api/shipments/{id}/timeline: every fact, in event-time order.</summary>
public static class GetTimelineEndpoint
{
    public static void MapGetTimeline(this RouteGroupBuilder shipment) =>
        shipment.MapGet("/timeline", Handle).RequireAuthorization(Roles.Staff)
            .WithSummary("Every fact of the shipment in event-time order, with who, where and both times (staff)");

    private static async Task<Results<Ok<TimelineEntry[]>, ProblemHttpResult>> Handle(
        string shipmentId, IQuerySession query, RouteCatalog routes, CancellationToken ct)
    {
        var events = await query.Events.FetchStreamAsync(shipmentId, token: ct);
        // Only a shipment's own stream: the id space is shared with devices, stations and alerts.
        if (events.Count == 0 || events[0].Data is not ShipmentRegistered registered)
        {
            return Problems.NotFound("Shipment", shipmentId);
        }

        // Each check-in is judged against the window its leg had when it came, in stream order.
        var timings = ShipmentSchedule.Timings(events.Select(e => e.Data).ToArray(), routes.Get(registered.RouteId));

        // Registration opens the story even when a scanner's clock puts a scan slightly before it.
        return TypedResults.Ok(events.Select((e, i) => Entry(e, timings[i]))
            .OrderBy(e => e.Version == 1 ? DateTimeOffset.MinValue : e.At).ThenBy(e => e.Version).ToArray());
    }

    public static TimelineEntry Entry(IEvent e, CheckInTiming? timing = null)
    {
        var fact = e.Data as IShipmentFact ?? throw new UnknownFactException(e.Data, "the shipment timeline");
        var (at, who, where, summary) = Describe(fact);
        if (timing?.Late is { } late)
        {
            summary += $"; late by {Words(late)} (due {timing.DueAt:u})";
        }
        else if (timing?.Early is { } early)
        {
            summary += $"; early by {Words(early)} (not expected before {timing.EarliestAt:u})";
        }

        return new TimelineEntry(e.Version, WireJson.FactName(fact.GetType()), at,
            e.Timestamp, who, where, summary, fact,
            timing?.Late is { } by ? IsoDuration.Format(by) : null, timing?.Early is { } ahead ? IsoDuration.Format(ahead) : null);
    }

    /// <summary>"2 d 3 h", "4 h 5 min", "40 s": how late or early, to the minute once it is minutes.</summary>
    private static string Words(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => span.Hours > 0 ? $"{span.Days} d {span.Hours} h" : $"{span.Days} d",
        { TotalHours: >= 1 } => span.Minutes > 0 ? $"{span.Hours} h {span.Minutes} min" : $"{span.Hours} h",
        { TotalMinutes: >= 1 } => $"{(int)span.TotalMinutes} min",
        _ => $"{Math.Max(1, (int)Math.Ceiling(span.TotalSeconds))} s",
    };

    /// <summary>When it happened, who and where, in words: every shipment fact has its own line.</summary>
    public static (DateTimeOffset At, string? Who, string? Where, string Summary) Describe(IShipmentFact fact) => fact switch
    {
        ShipmentRegistered d => (d.RegisteredAt, d.RegisteredBy, null, $"Registered on route {d.RouteId}"),
        StationCheckedIn d => (d.ScannedAt, d.DeviceId, d.StationId,
            $"Checked in at {d.StationId} ({d.StationType}), leg {d.LegNumber}: {d.LegName}" +
            (d.Celsius is { } c ? $", {c:0.0} °C" : "")),
        ShipmentDelivered d => (d.DeliveredAt, d.DeviceId, d.StationId, $"Delivered at {d.StationId}"),
        OutOfSequenceScanRecorded d => (d.ScannedAt, d.DeviceId, d.StationId,
            $"Out-of-sequence scan at {d.StationId} ({d.StationType}): {d.Reason}"),
        ColdChainBreached d => (d.BreachedAt, null, null, $"Cold-chain breach: {d.Detail}"),
        DeliveryRefused d => (d.RefusedAt, d.DeviceId, d.StationId, $"Delivery refused at {d.StationId}: {d.Reason}"),
        ReturnCheckedIn d => (d.ScannedAt, d.DeviceId, d.StationId,
            $"Checked in at {d.StationId} ({d.StationType}) after the refused delivery"),
        DeliveryReleased d => (d.ReleasedAt, d.ReleasedBy, null, $"Refusal released: {d.Reason}"),
        SensorAttached d => (d.AttachedAt, d.AttachedBy, null, $"Sensor {d.DeviceId} attached"),
        SensorDetached d => (d.DetachedAt, d.DetachedBy, null, $"Sensor {d.DeviceId} detached"),
        ImpossibleTravelDetected d => (d.ToScannedAt, d.ToDeviceId, d.ToStationId, FormattableString.Invariant(
            $"Impossible travel: {d.DistanceKm:0.#} km from {d.FromStationId} (device {d.FromDeviceId}) to {d.ToStationId} ") +
            (d.RequiredKmh is { } kmh ? FormattableString.Invariant($"at {kmh:0} km/h") : "in no time") +
            FormattableString.Invariant($", more than the {d.MaxKmh:0} km/h a leg from a {d.FromStationType} station allows")),
        CheckInOverdue d => (d.DueAt, null, null,
            $"Check-in overdue at leg {d.LegNumber} ({d.LegName}): no {string.Join(" or ", d.ExpectedStationTypes)} check-in by {d.DueAt:u}"),
        _ => throw new UnknownFactException(fact, "the shipment timeline"),
    };
}
