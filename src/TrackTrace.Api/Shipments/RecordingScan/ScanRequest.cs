using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.RecordingScan;

public sealed record ScanRequest(Guid? ScanId, string? ShipmentId, string? StationId, DateTimeOffset? ScannedAt, double? Celsius);

/// <summary>What a scan must carry before any rule looks at it; each problem names its field.</summary>
public static class ScanRequestValidator
{
    public static IReadOnlyDictionary<string, string[]> Validate(ScanRequest request, DateTimeOffset now, EventTimeWindow window)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.ScanId is null || request.ScanId == Guid.Empty)
        {
            errors["scanId"] = ["required: a UUID the scanner generates once per scan (retries reuse it)"];
        }

        if (!ShipmentId.IsValid(request.ShipmentId, out var idProblem))
        {
            errors["shipmentId"] = [idProblem!];
        }

        if (request.ScannedAt is not { } scannedAt)
        {
            errors["scannedAt"] = ["required: ISO-8601 date and time with an offset, e.g. 2026-11-27T10:15:00+01:00"];
        }
        else if (window.Problem(scannedAt, now) is { } timeProblem)
        {
            errors["scannedAt"] = [timeProblem];
        }

        if (request.Celsius is { } c && !Temperature.IsPlausible(c))
        {
            errors["celsius"] = [Temperature.Rule];
        }

        return errors;
    }
}
