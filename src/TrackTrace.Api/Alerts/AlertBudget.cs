using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Alerts;
using Weasel.Postgresql.Tables;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// One misbehaving device must not flood on-call people: per device and alert type, at most
/// <see cref="AlertOptions.PerDeviceLimit"/> alerts are raised in each <see cref="AlertOptions.PerDeviceWindow"/>
/// (fixed windows of the recorded time, counted in PostgreSQL so every instance shares the count).
/// The facts are recorded either way; only the alerts are held back, and when the window has closed
/// one alert says how many were suppressed (<see cref="AlertSuppressionSummaries"/>). Alerts without a
/// device (a cold-chain breach) are never held back. Only alerting facts ask, so a scan pays nothing.
/// </summary>
public sealed class AlertBudget(NpgsqlDataSource dataSource, IOptions<AlertOptions> options, TimeProvider clock)
{
    public const string TableName = TrackTraceStore.Schema + ".alert_budgets";

    private const string Take =
        $"insert into {TableName} (device_id, type, window_start, raised) values ($1, $2, $3, 1) " +
        "on conflict (device_id, type, window_start) do update set raised = alert_budgets.raised + 1 returning raised";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn("device_id", "text").AsPrimaryKey();
        table.AddColumn("type", "text").AsPrimaryKey();
        table.AddColumn("window_start", "timestamptz").AsPrimaryKey();
        table.AddColumn("raised", "integer").NotNull();
        table.AddColumn<bool>("summarized").NotNull().DefaultValueByExpression("false");
        return table;
    }

    /// <summary>The alerts that may be raised now, in order; each one asked for counts against its device's budget.</summary>
    public async Task<IReadOnlyList<AlertRaised>> AdmitAsync(IReadOnlyList<AlertRaised> candidates, CancellationToken ct)
    {
        var admitted = new List<AlertRaised>(candidates.Count);
        foreach (var alert in candidates)
        {
            if (alert.DeviceId is null || await TakeAsync(alert.DeviceId, alert.Type, ct) <= options.Value.PerDeviceLimit)
            {
                admitted.Add(alert);
            }
        }

        return admitted;
    }

    private async Task<int> TakeAsync(string deviceId, string type, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(Take);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(type);
        command.Parameters.AddWithValue(WindowStart(clock.GetUtcNow(), options.Value.PerDeviceWindow));
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    public static DateTimeOffset WindowStart(DateTimeOffset at, TimeSpan window) =>
        new(at.UtcTicks - at.UtcTicks % window.Ticks, TimeSpan.Zero);
}

/// <summary>
/// After a window closes, one alert per device and type that went over its budget: "N more
/// suppressed". Any instance may raise it; claiming the window's row and starting the alert commit
/// together, so it is raised exactly once.
/// </summary>
public sealed class AlertSuppressionSummaries(
    NpgsqlDataSource dataSource, IDocumentStore store, IOptions<AlertOptions> options, TimeProvider clock,
    ILogger<AlertSuppressionSummaries> logger) : BackgroundService
{
    private const string Claim =
        $"update {AlertBudget.TableName} set summarized = true " +
        "where not summarized and raised > $1 and window_start + make_interval(secs => $2) <= $3 " +
        "returning device_id, type, window_start, raised";

    private const string Forget = $"delete from {AlertBudget.TableName} where window_start < $1";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var window = options.Value.PerDeviceWindow;
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Clamp(window.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerSecond * 30)), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SummarizeAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning("Could not raise the suppressed-alert summaries: {Error}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task SummarizeAsync(CancellationToken ct)
    {
        var limit = options.Value.PerDeviceLimit;
        var window = options.Value.PerDeviceWindow;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var closed = new List<(string Device, string Type, DateTimeOffset From, int Raised)>();
        await using (var claim = new NpgsqlCommand(Claim, connection, transaction))
        {
            claim.Parameters.AddWithValue(limit);
            claim.Parameters.AddWithValue(window.TotalSeconds);
            claim.Parameters.AddWithValue(now);
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                closed.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3)));
            }
        }

        if (closed.Count > 0)
        {
            await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, false));
            foreach (var (device, type, from, raised) in closed)
            {
                var id = $"{Alert.StreamPrefix}suppressed-{Hash($"{device}|{type}|{from:O}")}";
                session.Events.StartStream<Alert>(id, new AlertRaised(id, type,
                    $"{raised - limit} more {type} alerts from device {device} suppressed",
                    $"Device {device} raised {raised} {type} alerts between {from:O} and {from + window:O}; only the first {limit} were " +
                    "sent. The facts of all of them are on the shipments' timelines.", null, device, null, now));
            }

            await session.SaveChangesAsync(ct);
        }

        await using (var forget = new NpgsqlCommand(Forget, connection, transaction))
        {
            forget.Parameters.AddWithValue(now - window - TimeSpan.FromDays(1));
            await forget.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..24];
}
