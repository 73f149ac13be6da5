using System.Globalization;
using System.Text.Json.Nodes;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Domain.Epcis;

/// <summary>A shipment fact as an EPCIS event, with the context that defines its <c>tt:</c> extensions.</summary>
public sealed record ShipmentEpcisEvent(string Context, CapturedEvent Event);

/// <summary>
/// Every shipment fact TrackTrace records is also an EPCIS ObjectEvent (OBSERVE), so partners query
/// shipments in their own language. The mapping (also in README, "EPCIS"):
/// <list type="bullet">
/// <item><see cref="StationCheckedIn"/> on the route's first leg: <c>departing</c>, <c>in_transit</c>,
/// readPoint only (CBV: a departure has no business location); on the last leg: <c>receiving</c>,
/// <c>in_progress</c>; on any other leg: <c>arriving</c>, <c>in_transit</c>.</item>
/// <item><see cref="ShipmentDelivered"/>: nothing more, the last leg's check-in is the receiving event.</item>
/// <item><see cref="OutOfSequenceScanRecorded"/>: <c>arriving</c> (the goods were seen there) with
/// <c>tt:sequence: out-of-sequence</c> and the station types expected.</item>
/// <item><see cref="DeliveryRefused"/>: <c>inspecting</c>, <c>non_conformant</c>,
/// <c>persistentDisposition.set: [non_conformant]</c>.</item>
/// <item><see cref="DeliveryReleased"/>: <c>inspecting</c>, <c>conformant</c>,
/// <c>persistentDisposition.unset: [non_conformant]</c>, no location (an admin's decision).</item>
/// <item><see cref="ReturnCheckedIn"/>: <c>arriving</c>, <c>returned</c>.</item>
/// </list>
/// readPoint and bizLocation are the station's SGLN as a Digital Link (<c>https://id.gs1.org/414/{gln}</c>)
/// when it has a GLN, else <c>urn:tracktrace:station:{id}</c>; the shipment is its SSCC
/// (<c>https://id.gs1.org/00/{sscc}</c>) when its id is an SSCC-18, else <c>urn:tracktrace:shipment:{id}</c>.
/// A scan's temperature becomes a sensorReport (Temperature, CEL). The eventID is the fact's id
/// (<c>urn:uuid:</c>), so writing a fact twice stores it once.
/// </summary>
public static class ShipmentEpcis
{
    public const string Namespace = "https://tracktrace.dev/epcis/";
    public const string Prefix = "tt";

    public static readonly string Context =
        new JsonArray(EpcisContext.Standard, new JsonObject { [Prefix] = Namespace }).ToJsonString();

    /// <summary>Where a shipment fact happened and what the route says of its leg.</summary>
    public sealed record Setting(string? StationGln, int? RouteLegs);

    /// <summary>The facts that have an EPCIS event; others (registration, sensors, breaches) are not observations of the goods.</summary>
    public static readonly IReadOnlyList<Type> Mapped =
    [
        typeof(StationCheckedIn), typeof(OutOfSequenceScanRecorded), typeof(DeliveryRefused), typeof(DeliveryReleased),
        typeof(ReturnCheckedIn), typeof(ShipmentDelivered),
    ];

    public static string? StationOf(object fact) => fact switch
    {
        StationCheckedIn e => e.StationId,
        OutOfSequenceScanRecorded e => e.StationId,
        DeliveryRefused e => e.StationId,
        ReturnCheckedIn e => e.StationId,
        _ => null,
    };

    public static string? ShipmentOf(object fact) => fact switch
    {
        StationCheckedIn e => e.ShipmentId,
        OutOfSequenceScanRecorded e => e.ShipmentId,
        DeliveryRefused e => e.ShipmentId,
        DeliveryReleased e => e.ShipmentId,
        ReturnCheckedIn e => e.ShipmentId,
        ShipmentDelivered e => e.ShipmentId,
        _ => null,
    };

    /// <summary>The EPCIS event of one fact, or null for a fact that has none.</summary>
    public static ShipmentEpcisEvent? ToEpcis(Guid factId, object fact, Setting setting, DateTimeOffset recordedAt)
    {
        var e = fact switch
        {
            StationCheckedIn c => CheckIn(c, setting),
            OutOfSequenceScanRecorded o => Observation(o.ShipmentId, o.ScannedAt, "arriving", null, o.StationId, setting,
                new JsonObject
                {
                    [$"{Prefix}:sequence"] = "out-of-sequence",
                    [$"{Prefix}:reason"] = o.Reason,
                    [$"{Prefix}:expectedStationTypes"] = new JsonArray(o.ExpectedStationTypes.Select(t => (JsonNode)t).ToArray()),
                    [$"{Prefix}:scanId"] = o.ScanId.ToString(),
                    [$"{Prefix}:deviceId"] = o.DeviceId,
                }),
            DeliveryRefused r => Observation(r.ShipmentId, r.RefusedAt, "inspecting", "non_conformant", r.StationId, setting,
                new JsonObject
                {
                    ["persistentDisposition"] = new JsonObject { ["set"] = new JsonArray("non_conformant") },
                    [$"{Prefix}:reason"] = r.Reason,
                    [$"{Prefix}:scanId"] = r.ScanId.ToString(),
                    [$"{Prefix}:deviceId"] = r.DeviceId,
                }),
            DeliveryReleased r => Observation(r.ShipmentId, r.ReleasedAt, "inspecting", "conformant", null, setting,
                new JsonObject
                {
                    ["persistentDisposition"] = new JsonObject { ["unset"] = new JsonArray("non_conformant") },
                    [$"{Prefix}:reason"] = r.Reason,
                    [$"{Prefix}:releasedBy"] = r.ReleasedBy,
                }),
            ReturnCheckedIn r => WithTemperature(Observation(r.ShipmentId, r.ScannedAt, "arriving", "returned", r.StationId, setting,
                new JsonObject
                {
                    [$"{Prefix}:scanId"] = r.ScanId.ToString(),
                    [$"{Prefix}:deviceId"] = r.DeviceId,
                    [$"{Prefix}:stationType"] = r.StationType,
                }), r.Celsius, r.ScannedAt),
            ShipmentDelivered => null,
            _ => null,
        };
        if (e is null)
        {
            return null;
        }

        e["eventID"] = $"urn:uuid:{factId}";
        return new ShipmentEpcisEvent(Context, CaptureDocument.ReadEvent(e, $"urn:uuid:{factId}", recordedAt));
    }

    private static JsonObject CheckIn(StationCheckedIn c, Setting setting)
    {
        var (step, disposition) = c.LegNumber == setting.RouteLegs
            ? ("receiving", "in_progress")
            : c.LegNumber == 1 ? ("departing", "in_transit") : ("arriving", "in_transit");
        var e = Observation(c.ShipmentId, c.ScannedAt, step, disposition, c.StationId, setting, new JsonObject
        {
            [$"{Prefix}:scanId"] = c.ScanId.ToString(),
            [$"{Prefix}:deviceId"] = c.DeviceId,
            [$"{Prefix}:stationType"] = c.StationType,
            [$"{Prefix}:leg"] = c.LegNumber,
            [$"{Prefix}:legName"] = c.LegName,
        });
        if (step == "departing")
        {
            e.Remove("bizLocation");
        }

        return WithTemperature(e, c.Celsius, c.ScannedAt);
    }

    private static JsonObject Observation(
        string shipmentId, DateTimeOffset at, string bizStep, string? disposition, string? stationId, Setting setting,
        JsonObject extensions)
    {
        var e = new JsonObject
        {
            ["type"] = "ObjectEvent",
            ["eventTime"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            ["eventTimeZoneOffset"] = EpcisTime.Offset(at.Offset),
            ["epcList"] = new JsonArray(ShipmentEpc(shipmentId)),
            ["action"] = "OBSERVE",
            ["bizStep"] = bizStep,
        };
        if (disposition is not null)
        {
            e["disposition"] = disposition;
        }

        if (stationId is not null)
        {
            e["readPoint"] = new JsonObject { ["id"] = StationLocation(stationId, setting.StationGln) };
            e["bizLocation"] = new JsonObject { ["id"] = StationLocation(stationId, setting.StationGln) };
            extensions[$"{Prefix}:stationId"] = stationId;
        }

        foreach (var (name, value) in extensions.ToArray())
        {
            extensions.Remove(name);
            e[name] = value;
        }

        return e;
    }

    private static JsonObject WithTemperature(JsonObject e, double? celsius, DateTimeOffset at)
    {
        if (celsius is { } value)
        {
            e["sensorElementList"] = new JsonArray(new JsonObject
            {
                ["sensorMetadata"] = new JsonObject { ["time"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture) },
                ["sensorReport"] = new JsonArray(new JsonObject { ["type"] = "Temperature", ["value"] = value, ["uom"] = UnitOfMeasure.Celsius }),
            });
        }

        return e;
    }

    /// <summary>The shipment as an EPC: its SSCC when it is one, else a TrackTrace URN.</summary>
    public static string ShipmentEpc(string shipmentId) =>
        EpcIdentifier.SsccToDigitalLink(shipmentId) ?? $"urn:tracktrace:shipment:{shipmentId}";

    /// <summary>The station as a location: its SGLN when it has a GLN, else a TrackTrace URN.</summary>
    public static string StationLocation(string stationId, string? gln) =>
        (gln is null ? null : EpcIdentifier.GlnToDigitalLink(gln)) ?? $"urn:tracktrace:station:{stationId}";
}
