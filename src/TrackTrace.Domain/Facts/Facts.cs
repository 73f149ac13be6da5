namespace TrackTrace.Domain.Facts;

// Marker interfaces: every fact names the stream it belongs to, so a switch over "every shipment
// fact" can be checked for completeness (see the unit test that runs each one through every reader).

/// <summary>A fact on a shipment's stream (stream key = the shipment id).</summary>
public interface IShipmentFact
{
    string ShipmentId { get; }
}

/// <summary>A fact on a device's stream (stream key <c>device-{id}</c>): its audit trail.</summary>
public interface IDeviceFact
{
    string DeviceId { get; }
}

/// <summary>A fact on an alert's stream (stream key <c>alert-...</c>).</summary>
public interface IAlertFact
{
    string AlertId { get; }
}

/// <summary>A fact on a station's stream (stream key <c>station-{id}</c>).</summary>
public interface IStationFact
{
    string StationId { get; }
}

/// <summary>A fact is not one a reader knows: a new event type was added without telling it.</summary>
public sealed class UnknownFactException(object fact, string reader)
    : InvalidOperationException($"{reader} has no case for {fact.GetType().Name}; add one (every fact must be handled explicitly)");
