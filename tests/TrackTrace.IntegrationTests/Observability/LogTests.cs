using System.Net;
using System.Text.Json;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Observability;

/// <summary>
/// Logs as operators read them: JSON when the output is not a terminal (CI, production), readable
/// text when asked for (or on a terminal), and every line a request writes names its trace.
/// </summary>
public sealed class LogTests
{
    [Fact]
    public async Task Redirected_output_is_json_and_a_requests_log_line_carries_its_trace_id()
    {
        var line = await RefusalLogLineAsync(null);

        using var json = JsonDocument.Parse(line);
        Assert.Equal("Warning", json.RootElement.GetProperty("LogLevel").GetString());
        var traceId = json.RootElement.GetProperty("Scopes").EnumerateArray()
            .Select(s => s.TryGetProperty("TraceId", out var t) ? t.GetString() : null).OfType<string>().Single();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
    }

    [Fact]
    public async Task Readable_text_when_asked_for_still_names_the_trace()
    {
        var line = await RefusalLogLineAsync("simple");

        Assert.False(line.TrimStart().StartsWith('{'));
        Assert.Matches("TraceId:[0-9a-f]{32}", line);
    }

    /// <summary>The warning a request from a valid but never enrolled certificate makes the service log.</summary>
    private static async Task<string> RefusalLogLineAsync(string? formatter)
    {
        var database = await TestEnvironment.CreateDatabaseAsync();
        var broker = await TestEnvironment.CreateVirtualHostAsync();
        try
        {
            await using var service = await ServiceProcess.StartAsync(database, broker,
                formatter is null ? null : new Dictionary<string, string> { ["Logging__Console__FormatterName"] = formatter });
            var stranger = TestPki.Instance.IssueDevice(ServiceFixture.NewId("stranger").ToLowerInvariant());
            using var client = service.Client(stranger);
            await ServiceFixture.Expect(await client.GetAsync("/api/shipments"), HttpStatusCode.Forbidden);
            return await ServiceFixture.Eventually(() => Task.FromResult(service.Output.Split('\n')
                .FirstOrDefault(l => l.Contains("Refused", StringComparison.Ordinal) && l.Contains(stranger.Subject, StringComparison.Ordinal))),
                what: "the refusal's log line");
        }
        finally
        {
            await TestEnvironment.DeleteVirtualHostAsync(broker);
            await TestEnvironment.DropDatabaseAsync(database);
        }
    }
}
