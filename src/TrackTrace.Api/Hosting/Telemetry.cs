using System.Diagnostics;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace TrackTrace.Api.Hosting;

/// <summary>Section "OpenTelemetry": where traces and metrics go, if anywhere.</summary>
public sealed class TelemetryOptions
{
    /// <summary>OTLP/HTTP base address (e.g. http://collector:4318); unset, nothing is exported and nothing is recorded.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How often spans and metrics are sent.</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The service name in every span and metric.</summary>
    public string ServiceName { get; set; } = "tracktrace";
}

/// <summary>
/// Traces, metrics and logs the way .NET operators read them. With <c>OpenTelemetry:OtlpEndpoint</c>
/// set, spans of ASP.NET Core, HttpClient (webhooks), Npgsql, Marten, MassTransit and our own source
/// (the device check, the decision, the group commit; a scan's span and the commit that carried it
/// link to each other) and the meters go out over OTLP/HTTP. Unset, no provider is built: no span is
/// recorded and nothing is sent. Logs are human-readable on an interactive console and JSON otherwise
/// (<c>Logging:Console:FormatterName</c> = <c>simple</c> or <c>json</c> chooses), and every line of a
/// request carries its trace id.
/// </summary>
public static class Telemetry
{
    public const string SourceName = "TrackTrace";

    /// <summary>The event header that carries the trace context of the request that stored the fact.</summary>
    public const string TraceParentHeader = "traceparent";

    public static readonly ActivitySource Source = new(SourceName);

    private static readonly string[] Sources = [SourceName, "Npgsql", "Marten", "MassTransit"];

    private static readonly string[] Meters =
    [
        Metrics.Meter.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql", "Marten",
        "MassTransit",
    ];

    public static void AddTrackTraceTelemetry(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        var formatter = builder.Configuration["Logging:Console:FormatterName"]
                        ?? (Console.IsOutputRedirected ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple);
        if (formatter == ConsoleFormatterNames.Json)
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.IncludeScopes = true;
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        // The trace id goes into every log line's scope, also when nothing is exported.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        ActivitySource.AddActivityListener(RequestIds);

        var options = builder.Configuration.GetSection("OpenTelemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            return;
        }

        var endpoint = new Uri(options.OtlpEndpoint.TrimEnd('/') + "/");
        var interval = (int)options.ExportInterval.TotalMilliseconds;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceInstanceId: $"{Environment.MachineName}-{Environment.ProcessId}"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http =>
                    !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics"))
                .AddHttpClientInstrumentation()
                .AddSource(Sources)
                .AddOtlpExporter(o =>
                {
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                    o.Endpoint = new Uri(endpoint, "v1/traces");
                    o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = interval;
                }))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(Meters)
                .AddOtlpExporter((o, reader) =>
                {
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                    o.Endpoint = new Uri(endpoint, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
                }));
    }

    /// <summary>
    /// ASP.NET Core makes a request's activity only when someone listens; this listener asks for ids
    /// only (nothing is recorded), so logs can name the trace even with OpenTelemetry off.
    /// </summary>
    private static readonly ActivityListener RequestIds = new()
    {
        ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
    };

    /// <summary>The trace context to store with a fact, when the request that makes it is traced.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { Recorded: true } current ? current.Id : null;

    /// <summary>The trace context stored with a fact, if any.</summary>
    public static ActivityContext? StoredTraceContext(object? header) =>
        header?.ToString() is { } text && ActivityContext.TryParse(text, null, out var context) ? context : null;
}
