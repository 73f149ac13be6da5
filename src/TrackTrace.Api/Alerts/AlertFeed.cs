using System.Threading.Channels;
using Marten;
using TrackTrace.Domain.Alerts;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// New alerts for the open staff streams of this instance. Any instance may raise an alert, so the
/// feed reads them back from PostgreSQL: one poller per instance, about once a second and only while
/// a stream is open, hands every alert raised since its cursor to each stream's channel. A stream that
/// cannot keep up is closed; its browser reconnects with Last-Event-ID and catches up from the store.
/// </summary>
public sealed class AlertFeed(IDocumentStore store, TimeProvider clock, ILogger<AlertFeed> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How far behind its cursor each poll looks again. An alert's raisedAt is stamped before its
    /// transaction commits, on the clock of the instance that raised it, so it can become visible after
    /// later alerts were read; what was already sent is skipped by id.
    /// </summary>
    public static readonly TimeSpan CommitLag = TimeSpan.FromSeconds(10);

    /// <summary>Alerts waiting for one stream before it counts as stuck.</summary>
    public const int StreamBuffer = 256;

    private readonly Lock _gate = new();
    private readonly HashSet<Channel<Alert>> _streams = [];
    private TaskCompletionSource _opened = NewSignal();

    public AlertSubscription Subscribe()
    {
        var channel = Channel.CreateBounded<Alert>(new BoundedChannelOptions(StreamBuffer)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        lock (_gate)
        {
            _streams.Add(channel);
            _opened.TrySetResult();
        }

        return new AlertSubscription(channel.Reader, () => Remove(channel));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await WaitForStreamAsync(stoppingToken);
                // Start a little in the past: what committed late just before the first stream opened is news too.
                var watermark = clock.GetUtcNow() - CommitLag;
                var sent = new Dictionary<string, DateTimeOffset>();
                using var timer = new PeriodicTimer(PollInterval, clock);
                do
                {
                    watermark = await PollAsync(watermark, sent, stoppingToken);
                }
                while (await timer.WaitForNextTickAsync(stoppingToken) && HasStreams);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_gate)
            {
                foreach (var stream in _streams)
                {
                    stream.Writer.TryComplete();
                }

                _streams.Clear();
            }
        }
    }

    private async Task<DateTimeOffset> PollAsync(DateTimeOffset watermark, Dictionary<string, DateTimeOffset> sent, CancellationToken ct)
    {
        IReadOnlyList<Alert> found;
        try
        {
            await using var session = store.QuerySession();
            var from = watermark - CommitLag;
            found = await session.Query<Alert>().Where(a => a.RaisedAt > from)
                .OrderBy(a => a.RaisedAt).ThenBy(a => a.Id).ToListAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // PostgreSQL away: the streams stay open and the next poll reads from the same place.
            logger.LogWarning("Could not read new alerts for the live feed: {Error}", ex.Message);
            return watermark;
        }

        // Never past this instance's now: an alert stamped by a clock running ahead must not hide
        // the ones that commit after it.
        var now = clock.GetUtcNow();
        foreach (var alert in found)
        {
            if (sent.TryAdd(alert.Id, alert.RaisedAt))
            {
                Broadcast(alert);
            }

            if (alert.RaisedAt > watermark)
            {
                watermark = alert.RaisedAt < now ? alert.RaisedAt : now;
            }
        }

        foreach (var (id, raisedAt) in sent)
        {
            if (raisedAt <= watermark - CommitLag)
            {
                sent.Remove(id);
            }
        }

        return watermark;
    }

    private void Broadcast(Alert alert)
    {
        lock (_gate)
        {
            _streams.RemoveWhere(stream =>
            {
                if (stream.Writer.TryWrite(alert))
                {
                    return false;
                }

                stream.Writer.TryComplete(new AlertStreamTooSlow());
                return true;
            });
        }
    }

    private bool HasStreams
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count > 0;
            }
        }
    }

    private Task WaitForStreamAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_streams.Count > 0)
            {
                return Task.CompletedTask;
            }

            if (_opened.Task.IsCompleted)
            {
                _opened = NewSignal();
            }

            return _opened.Task.WaitAsync(ct);
        }
    }

    private void Remove(Channel<Alert> stream)
    {
        lock (_gate)
        {
            _streams.Remove(stream);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One open stream's alerts; disposing it leaves the feed.</summary>
public sealed class AlertSubscription(ChannelReader<Alert> alerts, Action leave) : IDisposable
{
    public ChannelReader<Alert> Alerts { get; } = alerts;

    public void Dispose() => leave();
}

/// <summary>The stream's buffer was full: it is closed so the browser reconnects and replays from the store.</summary>
public sealed class AlertStreamTooSlow() : Exception("the stream fell more than " + AlertFeed.StreamBuffer + " alerts behind");
