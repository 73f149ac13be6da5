using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TrackTrace.IntegrationTests.Observability;

/// <summary>One span as an OTLP collector receives it.</summary>
public sealed record ReceivedSpan(
    string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<(string TraceId, string SpanId)> Links);

/// <summary>
/// An OTLP/HTTP receiver on loopback, as a collector would be: POST /v1/traces with the protobuf
/// ExportTraceServiceRequest (decoded here by hand, the few fields a test reads), POST /v1/metrics
/// (the metric names are kept).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentBag<ReceivedSpan> Spans { get; } = [];
    public ConcurrentDictionary<string, int> MetricNames { get; } = new();
    public string Endpoint => _app.Urls.First();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            foreach (var span in Traces(await Body(request)))
            {
                receiver.Spans.Add(span);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            foreach (var name in MetricNamesIn(await Body(request)))
            {
                receiver.MetricNames.AddOrUpdate(name, 1, (_, n) => n + 1);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<byte[]> Body(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    // ExportTraceServiceRequest { 1: ResourceSpans { 2: ScopeSpans { 1: scope { 1: name }, 2: Span } } }
    private static IEnumerable<ReceivedSpan> Traces(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                var scope = Fields(scopeSpans, 1).Select(s => Text(Fields(s, 1).FirstOrDefault())).FirstOrDefault() ?? "";
                foreach (var span in Fields(scopeSpans, 2))
                {
                    yield return Span(scope, span);
                }
            }
        }
    }

    // Span { 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes (KeyValue), 13 links { 1 trace_id, 2 span_id } }
    private static ReceivedSpan Span(string scope, byte[] span)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var pair in Fields(span, 9))
        {
            var key = Text(Fields(pair, 1).FirstOrDefault());
            var value = Fields(pair, 2).FirstOrDefault() is { } any ? AnyValue(any) : "";
            attributes[key] = value;
        }

        var links = Fields(span, 13).Select(l => (Hex(Fields(l, 1).FirstOrDefault()), Hex(Fields(l, 2).FirstOrDefault()))).ToArray();
        return new ReceivedSpan(scope, Hex(Fields(span, 1).FirstOrDefault()), Hex(Fields(span, 2).FirstOrDefault()),
            Hex(Fields(span, 4).FirstOrDefault()), Text(Fields(span, 5).FirstOrDefault()), (int)Varints(span, 6).FirstOrDefault(),
            attributes, links);
    }

    // ExportMetricsServiceRequest { 1: ResourceMetrics { 2: ScopeMetrics { 2: Metric { 1: name } } } }
    private static IEnumerable<string> MetricNamesIn(byte[] request) =>
        Fields(request, 1).SelectMany(r => Fields(r, 2)).SelectMany(s => Fields(s, 2)).Select(m => Text(Fields(m, 1).FirstOrDefault()));

    // AnyValue { 1 string, 2 bool, 3 int, 4 double }
    private static string AnyValue(byte[] any)
    {
        if (Fields(any, 1).FirstOrDefault() is { } text)
        {
            return Text(text);
        }

        var number = Varints(any, 3).Concat(Varints(any, 2)).FirstOrDefault();
        return number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Text(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    /// <summary>The length-delimited fields with this number, in order.</summary>
    private static IEnumerable<byte[]> Fields(byte[] message, int number) =>
        Read(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);

    private static IEnumerable<ulong> Varints(byte[] message, int number) =>
        Read(message).Where(f => f.Number == number && f.Bytes is null).Select(f => f.Varint);

    /// <summary>The protobuf wire format: (field number, wire type) tags, then a varint, 64/32 bits, or a length and bytes.</summary>
    private static List<(int Number, ulong Varint, byte[]? Bytes)> Read(byte[] message)
    {
        var fields = new List<(int, ulong, byte[]?)>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add((number, ReadVarint(message, ref position), null));
                    break;
                case 1:
                    fields.Add((number, BitConverter.ToUInt64(message, position), null));
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    fields.Add((number, 0, message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    fields.Add((number, BitConverter.ToUInt32(message, position), null));
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {tag & 7} at {position} is not protobuf");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
