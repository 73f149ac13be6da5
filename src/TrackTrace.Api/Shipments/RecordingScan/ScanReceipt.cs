namespace TrackTrace.Api.Shipments.RecordingScan;

/// <summary>
/// What a scan was answered, stored in the same transaction as its facts and keyed by the
/// scanner's scanId: a retry gets the original answer and nothing is stored twice.
/// </summary>
public sealed record ScanReceipt(Guid Id, string ShipmentId, string RequestHash, int Status, string Body, DateTimeOffset At);
