using System.Diagnostics.Metrics;

namespace TrackTrace.Api;

/// <summary>Counters exported on /metrics (Prometheus text) next to the runtime and Kestrel meters.</summary>
public static class Metrics
{
    public static readonly Meter Meter = new("TrackTrace");

    public static readonly Counter<long> ScansAccepted = Meter.CreateCounter<long>("tracktrace_scans_accepted");
    public static readonly Counter<long> ScansOutOfSequence = Meter.CreateCounter<long>("tracktrace_scans_out_of_sequence");
    public static readonly Counter<long> DeviceRejections = Meter.CreateCounter<long>("tracktrace_device_rejections");
    public static readonly Counter<long> Enrollments = Meter.CreateCounter<long>("tracktrace_est_enrollments");
    public static readonly Counter<long> EnrollmentsRefused = Meter.CreateCounter<long>("tracktrace_est_enrollments_refused");
    public static readonly Counter<long> Renewals = Meter.CreateCounter<long>("tracktrace_est_renewals");
    public static readonly Counter<long> HandshakesRefused = Meter.CreateCounter<long>("tracktrace_tls_handshakes_refused");
    public static readonly Counter<long> ReadingsStored = Meter.CreateCounter<long>("tracktrace_readings_stored");
    public static readonly Counter<long> ProxyConnectionsRefused = Meter.CreateCounter<long>("tracktrace_proxy_connections_refused");
    public static readonly Counter<long> SightingsDropped = Meter.CreateCounter<long>("tracktrace_sightings_dropped");
    public static readonly Counter<long> MonitorActionsDropped = Meter.CreateCounter<long>("tracktrace_monitor_actions_dropped");
    public static readonly Counter<long> CheckInsOverdue = Meter.CreateCounter<long>("tracktrace_check_ins_overdue");
    public static readonly Histogram<double> OverdueSweepSeconds = Meter.CreateHistogram<double>("tracktrace_overdue_sweep_seconds");
    public static readonly Counter<long> MessagesPublished = Meter.CreateCounter<long>("tracktrace_messages_published");
    public static readonly Counter<long> EpcisEventsCaptured = Meter.CreateCounter<long>("tracktrace_epcis_events_captured");

    /// <summary>Alerts raised, by type (tag <c>type</c>): counted once, where they are dispatched.</summary>
    public static readonly Counter<long> AlertsRaised = Meter.CreateCounter<long>("tracktrace_alerts_raised");
}
