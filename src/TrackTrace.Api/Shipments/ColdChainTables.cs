using Weasel.Postgresql.Tables;
using TrackTrace.Api.Store;

namespace TrackTrace.Api.Shipments;

/// <summary>
/// Readings are too many to be events on a shipment's stream (100,000s of sensors, readings every
/// few seconds), so they live in a plain table keyed by (shipment, sensor, at): one sensor may ride
/// on several shipments (two pallets in one reefer) and its readings count for each, and a resent
/// reading is stored once. Each shipment's evaluation (the fold of its readings) sits beside them.
/// Both are created with the rest of the schema at start-up.
/// </summary>
public static class ColdChainTables
{
    public const string Readings = TrackTraceStore.Schema + ".temperature_readings";
    public const string Status = TrackTraceStore.Schema + ".cold_chain_status";

    public static IEnumerable<Table> All()
    {
        var readings = new Table(Readings);
        readings.AddColumn("shipment_id", "text").AsPrimaryKey();
        readings.AddColumn("sensor_id", "text").AsPrimaryKey();
        readings.AddColumn("at", "timestamptz").AsPrimaryKey();
        readings.AddColumn("celsius", "double precision").NotNull();
        readings.AddColumn("received_at", "timestamptz").NotNull();
        // A sensor's own alarm (EPCIS sensorReport exception, e.g. ALARM_CONDITION), kept and shown.
        readings.AddColumn("exception", "text");
        readings.Indexes.Add(new IndexDefinition("ix_temperature_readings_shipment") { Columns = ["shipment_id", "at"] });
        // A sensor's page lists its latest readings, whatever shipments they went to.
        readings.Indexes.Add(new IndexDefinition("ix_temperature_readings_sensor") { Columns = ["sensor_id", "at"] });
        yield return readings;

        var status = new Table(Status);
        status.AddColumn("shipment_id", "text").AsPrimaryKey();
        status.AddColumn("state", "jsonb");
        // After an admin released a refused shipment, only readings from here on are judged again.
        status.AddColumn("evaluated_from", "timestamptz");
        status.AddColumn("updated_at", "timestamptz").NotNull();
        yield return status;
    }
}
