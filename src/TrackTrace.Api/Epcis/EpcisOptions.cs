namespace TrackTrace.Api.Epcis;

/// <summary>Section "Epcis": the capture limits announced by OPTIONS /epcis/capture and the capture workers.</summary>
public sealed class EpcisOptions
{
    /// <summary>The most events one capture call may carry (GS1-EPCIS-Capture-Limit).</summary>
    public int CaptureLimit { get; set; } = 10_000;

    /// <summary>The largest capture body in bytes (GS1-EPCIS-Capture-File-Size-Limit): 20 MB.</summary>
    public long CaptureFileSizeLimit { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// Documents of at most this many events are stored while the request waits (the job and its
    /// events in one transaction); larger ones are queued for the workers. 0 queues every document.
    /// </summary>
    public int InlineCaptureLimit { get; set; } = 100;

    /// <summary>Capture jobs each instance works on at once.</summary>
    public int CaptureWorkers { get; set; } = 2;

    /// <summary>How often a worker looks for capture jobs queued by other instances or left by a dead one.</summary>
    public TimeSpan CapturePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a worker holds a job before another instance may take it over (it died).</summary>
    public TimeSpan CaptureLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most events a query page may hold (perPage).</summary>
    public int MaxPerPage { get; set; } = 1000;
}
