using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>An open event stream read by .NET's own SSE parser in the background.</summary>
public sealed class AlertStream : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SseItem<string>> _items = Channel.CreateUnbounded<SseItem<string>>();
    private readonly Task _reading;

    private AlertStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in SseParser.Create(body).EnumerateAsync(_stop.Token))
                {
                    await _items.Writer.WriteAsync(item);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
            finally
            {
                _items.Writer.TryComplete();
            }
        });
    }

    public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

    public static async Task<AlertStream> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var timeout = new CancellationTokenSource(Patience);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // Only a refusal has a body that ends; an open stream is read in the background.
            Assert.Fail($"expected 200 but got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return new AlertStream(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next alert event whose JSON matches; other events are passed over.</summary>
    public async Task<SseItem<string>> NextAsync(Func<JsonElement, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var item = await Read(timeout.Token);
            if (item.EventType == "alert" && wanted(JsonDocument.Parse(item.Data).RootElement))
            {
                return item;
            }
        }
    }

    /// <summary>Waits, up to <paramref name="within"/>, for the server to end the stream; the events it sent until then.</summary>
    public async Task<List<SseItem<string>>> EndAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var items = new List<SseItem<string>>();
        try
        {
            await foreach (var item in _items.Reader.ReadAllAsync(timeout.Token))
            {
                items.Add(item);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server kept the event stream open for more than {within.TotalSeconds} s");
        }

        return items;
    }

    /// <summary>Every alert up to and including the first that matches.</summary>
    public async Task<List<JsonElement>> CollectUntilAsync(Func<JsonElement, bool> last)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var alerts = new List<JsonElement>();
        while (true)
        {
            var item = await Read(timeout.Token);
            if (item.EventType != "alert")
            {
                continue;
            }

            var alert = JsonDocument.Parse(item.Data).RootElement.Clone();
            alerts.Add(alert);
            if (last(alert))
            {
                return alerts;
            }
        }
    }

    private async Task<SseItem<string>> Read(CancellationToken ct)
    {
        try
        {
            return await _items.Reader.ReadAsync(ct);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching alert on the stream within {Patience.TotalSeconds} s");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("the server closed the event stream");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reading.WaitAsync(Patience);
        _stop.Dispose();
    }
}
