using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TrackTrace.IntegrationTests.Infrastructure;

/// <summary>
/// The last entries a service instance logged at the levels its settings let through (warnings and
/// errors), kept in memory so a test that gives up can say what the service was saying.
/// </summary>
public sealed class RecentLog : ILoggerProvider
{
    private const int Kept = 200;
    private const int Longest = 400;
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyList<string> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string entry)
    {
        // Marten's errors carry their whole SQL: the start says what went wrong.
        _entries.Enqueue(entry.Length > Longest ? entry[..Longest] + "…" : entry);
        while (_entries.Count > Kept && _entries.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(RecentLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}" +
                (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})"));
    }
}
