using TrackTrace.Api.Store;
using TrackTrace.Domain.Epcis;
using Weasel.Postgresql.Tables;

namespace TrackTrace.Api.Epcis;

/// <summary>
/// Every EPCIS table and column name, in one place. The repository answers queries from typed,
/// indexed columns, never from a scan of the stored JSON: one row per event (its JSON as captured
/// beside the columns the query parameters filter on), one row per (event, identifier, role) for
/// the MATCH_ parameters, one row per sensorReport for the sensor filters, and the capture jobs.
/// Created with the rest of the schema at start-up (Store/TrackTraceStore.cs).
/// </summary>
public static class EpcisTables
{
    public const string Events = TrackTraceStore.Schema + ".epcis_events";
    public const string EventEpcs = TrackTraceStore.Schema + ".epcis_event_epcs";
    public const string SensorReports = TrackTraceStore.Schema + ".epcis_sensor_reports";
    public const string CaptureJobs = TrackTraceStore.Schema + ".epcis_capture_jobs";

    /// <summary>Made by the bigserial column of <see cref="Events"/>; captures take their numbers in advance.</summary>
    public const string EventSequence = TrackTraceStore.Schema + ".epcis_events_seq_seq";

    /// <summary>Columns of <see cref="Events"/>.</summary>
    public static class Event
    {
        public const string Seq = "seq";
        public const string EventId = "event_id";
        public const string Correction = "correction";
        public const string Type = "type";
        public const string Action = "action";
        public const string EventTime = "event_time";
        public const string RecordTime = "record_time";
        public const string BizStep = "biz_step";
        public const string Disposition = "disposition";
        public const string ReadPoint = "read_point";
        public const string BizLocation = "biz_location";
        public const string PersistentSet = "persistent_set";
        public const string PersistentUnset = "persistent_unset";
        public const string DeclarationTime = "declaration_time";
        public const string ErrorReason = "error_reason";
        public const string CorrectiveEventIds = "corrective_event_ids";
        public const string HasSensorElements = "has_sensor_elements";
        public const string CaptureId = "capture_id";
        public const string CapturedBy = "captured_by";
        public const string Body = "body";
        public const string Context = "context";
    }

    /// <summary>Columns of <see cref="EventEpcs"/>.</summary>
    public static class Epc
    {
        public const string EventSeq = "event_seq";
        public const string Value = "epc";
        public const string Role = "role";
    }

    /// <summary>Columns of <see cref="SensorReports"/>.</summary>
    public static class Sensor
    {
        public const string EventSeq = "event_seq";
        public const string Ordinal = "ordinal";
        public const string Type = "type";
        public const string Uom = "uom";
        public const string Value = "value";
        public const string MinValue = "min_value";
        public const string MaxValue = "max_value";
        public const string MeanValue = "mean_value";
        public const string Time = "time";
        public const string DeviceId = "device_id";
        public const string Exception = "exception";

        /// <summary>The column of a sensorReport field the queries compare (value, minValue, maxValue, meanValue).</summary>
        public static string Column(string field) => field switch
        {
            "value" => Value,
            "minValue" => MinValue,
            "maxValue" => MaxValue,
            "meanValue" => MeanValue,
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "not a compared sensorReport field"),
        };
    }

    /// <summary>Columns of <see cref="CaptureJobs"/>.</summary>
    public static class Job
    {
        public const string Id = "id";
        public const string State = "state";
        public const string ErrorBehaviour = "error_behaviour";
        public const string DeviceId = "device_id";
        public const string EventCount = "event_count";
        public const string Document = "document";
        public const string CreatedAt = "created_at";
        public const string FinishedAt = "finished_at";
        public const string LeaseUntil = "lease_until";
        public const string Attempts = "attempts";
        public const string Success = "success";
        public const string Errors = "errors";
        public const string Results = "results";
        public const string LastError = "last_error";
    }

    /// <summary>Role names as stored in <see cref="EventEpcs"/>.</summary>
    public static string RoleName(EpcRole role) => role switch
    {
        EpcRole.Epc => "epc",
        EpcRole.Child => "child",
        EpcRole.Parent => "parent",
        EpcRole.Input => "input",
        EpcRole.Output => "output",
        EpcRole.Quantity => "quantity",
        EpcRole.ChildQuantity => "child_quantity",
        EpcRole.InputQuantity => "input_quantity",
        EpcRole.OutputQuantity => "output_quantity",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "an EPC role without a stored name"),
    };

    public static IEnumerable<Table> All()
    {
        var events = new Table(Events);
        events.AddColumn(Event.Seq, "bigint").AsPrimaryKey().BigAutoIncrement();
        events.AddColumn(Event.EventId, "text").NotNull();
        events.AddColumn(Event.Correction, "boolean").NotNull();
        events.AddColumn(Event.Type, "text").NotNull();
        events.AddColumn(Event.Action, "text");
        events.AddColumn(Event.EventTime, "timestamptz").NotNull();
        events.AddColumn(Event.RecordTime, "timestamptz").NotNull();
        events.AddColumn(Event.BizStep, "text");
        events.AddColumn(Event.Disposition, "text");
        events.AddColumn(Event.ReadPoint, "text");
        events.AddColumn(Event.BizLocation, "text");
        events.AddColumn(Event.PersistentSet, "text[]");
        events.AddColumn(Event.PersistentUnset, "text[]");
        events.AddColumn(Event.DeclarationTime, "timestamptz");
        events.AddColumn(Event.ErrorReason, "text");
        events.AddColumn(Event.CorrectiveEventIds, "text[]");
        events.AddColumn(Event.HasSensorElements, "boolean").NotNull();
        events.AddColumn(Event.CaptureId, "text");
        events.AddColumn(Event.CapturedBy, "text").NotNull();
        // json, not jsonb: the event comes back byte for byte as it was stored (key order, number spelling).
        events.AddColumn(Event.Body, "json").NotNull();
        events.AddColumn(Event.Context, "json");
        // One event per id, and at most one error declaration correcting it.
        events.Indexes.Add(new IndexDefinition("ux_epcis_events_event_id") { Columns = [Event.EventId, Event.Correction], IsUnique = true });
        events.Indexes.Add(new IndexDefinition("ix_epcis_events_event_time") { Columns = [Event.EventTime, Event.Seq] });
        events.Indexes.Add(new IndexDefinition("ix_epcis_events_record_time") { Columns = [Event.RecordTime, Event.Seq] });
        events.Indexes.Add(new IndexDefinition("ix_epcis_events_biz_step") { Columns = [Event.BizStep] });
        events.Indexes.Add(new IndexDefinition("ix_epcis_events_disposition") { Columns = [Event.Disposition] });
        events.Indexes.Add(new IndexDefinition("ix_epcis_events_read_point") { Columns = [Event.ReadPoint] });
        events.Indexes.Add(new IndexDefinition("ix_epcis_events_biz_location") { Columns = [Event.BizLocation] });
        // Partial: a GIN index keeps an entry even for a null array, and the check-ins' export (most rows) has none.
        // The query's && is strict, so PostgreSQL still uses the index for it.
        events.Indexes.Add(new IndexDefinition("ix_epcis_events_persistent_set")
        {
            Columns = [Event.PersistentSet], Method = IndexMethod.gin, Predicate = $"{Event.PersistentSet} is not null",
        });
        yield return events;

        var epcs = new Table(EventEpcs);
        epcs.AddColumn(Epc.Value, "text").AsPrimaryKey();
        epcs.AddColumn(Epc.EventSeq, "bigint").AsPrimaryKey();
        epcs.AddColumn(Epc.Role, "text").AsPrimaryKey();
        yield return epcs;

        var sensors = new Table(SensorReports);
        sensors.AddColumn(Sensor.EventSeq, "bigint").AsPrimaryKey();
        sensors.AddColumn(Sensor.Ordinal, "integer").AsPrimaryKey();
        sensors.AddColumn(Sensor.Type, "text");
        sensors.AddColumn(Sensor.Uom, "text");
        sensors.AddColumn(Sensor.Value, "double precision");
        sensors.AddColumn(Sensor.MinValue, "double precision");
        sensors.AddColumn(Sensor.MaxValue, "double precision");
        sensors.AddColumn(Sensor.MeanValue, "double precision");
        sensors.AddColumn(Sensor.Time, "timestamptz");
        sensors.AddColumn(Sensor.DeviceId, "text");
        sensors.AddColumn(Sensor.Exception, "text");
        sensors.Indexes.Add(new IndexDefinition("ix_epcis_sensor_reports_type") { Columns = [Sensor.Type, Sensor.MaxValue] });
        yield return sensors;

        var jobs = new Table(CaptureJobs);
        jobs.AddColumn(Job.Id, "text").AsPrimaryKey();
        jobs.AddColumn(Job.State, "text").NotNull();
        jobs.AddColumn(Job.ErrorBehaviour, "text").NotNull();
        jobs.AddColumn(Job.DeviceId, "text").NotNull();
        jobs.AddColumn(Job.EventCount, "integer").NotNull();
        // The document as received; emptied once its events are stored.
        jobs.AddColumn(Job.Document, "text");
        jobs.AddColumn(Job.CreatedAt, "timestamptz").NotNull();
        jobs.AddColumn(Job.FinishedAt, "timestamptz");
        jobs.AddColumn(Job.LeaseUntil, "timestamptz");
        jobs.AddColumn(Job.Attempts, "integer").NotNull();
        jobs.AddColumn(Job.Success, "boolean");
        jobs.AddColumn(Job.Errors, "jsonb");
        jobs.AddColumn(Job.Results, "jsonb");
        jobs.AddColumn(Job.LastError, "text");
        jobs.Indexes.Add(new IndexDefinition("ix_epcis_capture_jobs_open")
        {
            Columns = [Job.CreatedAt], Predicate = $"{Job.State} <> '{CaptureJobState.Finished}'",
        });
        yield return jobs;
    }
}

/// <summary>A capture job's life: queued when accepted, running while a worker holds its lease, finished.</summary>
public static class CaptureJobState
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Finished = "finished";
}
