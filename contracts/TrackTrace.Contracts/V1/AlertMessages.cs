namespace TrackTrace.Contracts.V1;

/// <summary>Something people must look at; also delivered to the configured webhooks.</summary>
public sealed record AlertRaised(
    Guid EventId, string AlertId, string Type, string Title, string Detail, string? ShipmentId, string? DeviceId,
    string? StationId, DateTimeOffset RaisedAt);
