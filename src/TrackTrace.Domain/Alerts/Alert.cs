using TrackTrace.Domain.Facts;

namespace TrackTrace.Domain.Alerts;

public static class AlertTypes
{
    public const string OutOfSequence = "out-of-sequence";
    public const string ColdChainBreach = "cold-chain-breach";
    public const string DeliveryRefused = "delivery-refused";
    public const string DeviceRejected = "device-rejected";
    public const string CheckInOverdue = "check-in-overdue";

    /// <summary>An EST enrollment was refused (wrong, used, expired or voided token; suspended device): at most one per device and window.</summary>
    public const string EnrollmentRefused = "enrollment-refused";

    // Raised by the monitoring rules (Devices.MonitorRules) and by a retired certificate's reuse (DeviceDecider).

    /// <summary>
    /// One certificate in use from two addresses at once, or a retired certificate back after its
    /// successor was in use; the device was suspended.
    /// </summary>
    public const string DeviceCloneSuspected = "device-clone-suspected";

    /// <summary>A scanner connected from outside its station's allowed networks.</summary>
    public const string DeviceOutsideNetwork = "device-outside-network";

    /// <summary>A scanner scanned more often in a minute than Devices:MaxScansPerMinute.</summary>
    public const string ScanRateExceeded = "scan-rate-exceeded";

    /// <summary>A shipment checked in at two stations farther apart than its leg can travel in the time between.</summary>
    public const string ImpossibleTravel = "impossible-travel";

    public static readonly IReadOnlyList<string> All =
    [
        OutOfSequence, ColdChainBreach, DeliveryRefused, DeviceRejected, CheckInOverdue, EnrollmentRefused,
        DeviceCloneSuspected, DeviceOutsideNetwork, ScanRateExceeded, ImpossibleTravel,
    ];
}

// Each alert is its own small stream (key alert-{guid}): raised once, acknowledged by a person.

public sealed record AlertRaised(
    string AlertId,
    string Type,
    string Title,
    string Detail,
    string? ShipmentId,
    string? DeviceId,
    string? StationId,
    DateTimeOffset RaisedAt) : IAlertFact;

public sealed record AlertAcknowledged(string AlertId, string AcknowledgedBy, string? Note, DateTimeOffset AcknowledgedAt) : IAlertFact;

/// <summary>An alert as staff list and acknowledge it (inline projection of its stream).</summary>
public sealed record Alert
{
    public const string StreamPrefix = "alert-";

    public string Id { get; init; } = "";
    public string Type { get; init; } = "";
    public string Title { get; init; } = "";
    public string Detail { get; init; } = "";
    public string? ShipmentId { get; init; }
    public string? DeviceId { get; init; }
    public string? StationId { get; init; }
    public DateTimeOffset RaisedAt { get; init; }
    public bool Acknowledged { get; init; }
    public string? AcknowledgedBy { get; init; }
    public string? AcknowledgementNote { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }

    public static string NewId() => StreamPrefix + Guid.CreateVersion7().ToString("N");

    public static Alert Raised(AlertRaised e) => new()
    {
        Id = e.AlertId,
        Type = e.Type,
        Title = e.Title,
        Detail = e.Detail,
        ShipmentId = e.ShipmentId,
        DeviceId = e.DeviceId,
        StationId = e.StationId,
        RaisedAt = e.RaisedAt,
    };

    /// <summary>Applies one fact of the alert's stream; the first is the alert being raised.</summary>
    public static Alert Fold(Alert? state, object fact) => (state, fact) switch
    {
        (_, AlertRaised e) => Raised(e),
        (null, _) => throw new InvalidOperationException($"{fact.GetType().Name} cannot start an alert stream"),
        (_, AlertAcknowledged e) => state.Acknowledge(e),
        _ => throw new UnknownFactException(fact, nameof(Alert) + "." + nameof(Fold)),
    };

    public Alert Acknowledge(AlertAcknowledged e) => this with
    {
        Acknowledged = true,
        AcknowledgedBy = e.AcknowledgedBy,
        AcknowledgementNote = e.Note,
        AcknowledgedAt = e.AcknowledgedAt,
    };
}
