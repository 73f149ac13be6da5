using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.Api.Epcis;

/// <summary>A capture body that is within the limits, well-formed JSON and valid EPCIS 2.0.</summary>
public sealed record EpcisBody(string Text, JsonDocument Json, int EventCount) : IDisposable
{
    public void Dispose() => Json.Dispose();
}

/// <summary>
/// Reads and checks what a client captures, before anything is stored: the media type, the size
/// and event limits (413 with the limit headers, checked before the body is parsed when the client
/// says its length), JSON syntax and GS1's schema (400 naming the JSON pointer).
/// </summary>
public static class EpcisRequest
{
    public const string EpcisVersion = "2.0.0";
    public const string CbvVersion = "2.0.0";
    public const string CaptureLimitHeader = "GS1-EPCIS-Capture-Limit";
    public const string FileSizeLimitHeader = "GS1-EPCIS-Capture-File-Size-Limit";
    public const string ErrorBehaviourHeader = "GS1-Capture-Error-Behaviour";

    /// <summary>The media types capture accepts: EPCIS 2.0 is JSON-LD, and plain JSON is the same text.</summary>
    public static readonly string[] MediaTypes = ["application/ld+json", "application/json"];

    public static readonly string[] EventTypes =
        ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"];

    public static void AddLimitHeaders(HttpResponse response, EpcisOptions options)
    {
        response.Headers[CaptureLimitHeader] = options.CaptureLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[FileSizeLimitHeader] = options.CaptureFileSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The body, or the refusal to send instead. <paramref name="singleEvent"/>: POST /events, else POST /capture.</summary>
    public static async Task<(EpcisBody? Body, IResult? Refusal)> ReadAsync(
        HttpContext http, EpcisOptions options, bool singleEvent, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType) ||
            !MediaTypes.Contains(mediaType.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            return (null, EpcisProblems.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type",
                "ImplementationException", "Unsupported media type",
                $"Send the EPCIS document as {string.Join(" or ", MediaTypes)}, not '{http.Request.ContentType ?? "nothing"}'."));
        }

        if (http.Request.ContentLength > options.CaptureFileSizeLimit)
        {
            return (null, TooLarge(http, options, $"The body is {http.Request.ContentLength} bytes."));
        }

        // Kestrel's own cap (30 MB by default) must not cut the body before our limit does.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } cap)
        {
            cap.MaxRequestBodySize = options.CaptureFileSizeLimit + 1;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > options.CaptureFileSizeLimit)
            {
                return (null, TooLarge(http, options, "The body is longer than that."));
            }

            buffer.Write(chunk, 0, read);
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(buffer.ToArray().AsMemory(), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            return (null, EpcisProblems.Result(StatusCodes.Status400BadRequest, "epcis-validation", "ValidationException",
                "The body is not JSON", $"Malformed JSON: {ex.Message}",
                new Dictionary<string, object?> { ["pointer"] = "", ["line"] = ex.LineNumber + 1 }));
        }

        var root = json.RootElement;
        var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;
        var expected = singleEvent
            ? EventTypes.Contains(type) || (type is not null && type.Contains(':') && type is not ("EPCISDocument" or "EPCISQueryDocument"))
            : type is "EPCISDocument" or "EPCISQueryDocument";
        if (!expected)
        {
            json.Dispose();
            return (null, Invalid("/type", singleEvent
                ? $"POST /epcis/events takes one event (type {string.Join(", ", EventTypes)}); send documents to /epcis/capture"
                : "POST /epcis/capture takes an EPCISDocument or an EPCISQueryDocument; send a single event to /epcis/events"));
        }

        var count = singleEvent ? 1 : CaptureDocument.CountEvents(root);
        if (count > options.CaptureLimit)
        {
            json.Dispose();
            return (null, TooLarge(http, options, $"The document has {count} events."));
        }

        var errors = EpcisSchema.Validate(root);
        if (errors.Count > 0)
        {
            json.Dispose();
            return (null, EpcisProblems.Result(StatusCodes.Status400BadRequest, "epcis-validation", "ValidationException",
                "The document is not valid EPCIS 2.0",
                $"It does not match GS1's EPCIS 2.0 JSON schema at {errors[0].Pointer switch { "" => "the root", var p => p }}: {errors[0].Message}. Nothing was stored.",
                new Dictionary<string, object?>
                {
                    ["pointer"] = errors[0].Pointer,
                    ["errors"] = errors.GroupBy(e => e.Pointer).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                }));
        }

        return (new EpcisBody(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), json, count), null);
    }

    public static IResult Invalid(string pointer, string detail) =>
        EpcisProblems.Result(StatusCodes.Status400BadRequest, "epcis-validation", "ValidationException",
            "The document is not valid EPCIS 2.0", detail + ".",
            new Dictionary<string, object?> { ["pointer"] = pointer, ["errors"] = new Dictionary<string, string[]> { [pointer] = [detail] } });

    private static IResult TooLarge(HttpContext http, EpcisOptions options, string what)
    {
        AddLimitHeaders(http.Response, options);
        return EpcisProblems.Result(StatusCodes.Status413PayloadTooLarge, "epcis-capture-limit", "CaptureLimitExceededException",
            "Capture limit exceeded",
            $"{what} This repository takes at most {options.CaptureLimit} events and {options.CaptureFileSizeLimit} bytes per capture " +
            $"(headers {CaptureLimitHeader} and {FileSizeLimitHeader}); split the document. Nothing was stored.");
    }
}
