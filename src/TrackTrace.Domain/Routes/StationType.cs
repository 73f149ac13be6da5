namespace TrackTrace.Domain.Routes;

/// <summary>A kind of place a shipment is checked in at (factory, truck, customs, ...).</summary>
public sealed record StationType(string Id, string Description);
