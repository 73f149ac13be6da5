using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using TrackTrace.Domain.Epcis;
using static TrackTrace.Api.Epcis.EpcisTables;

namespace TrackTrace.Api.Epcis.Querying;

/// <summary>One page of a query's answer and, when there is more, where the next page starts.</summary>
public sealed record SearchPage(IReadOnlyList<StoredEvent> Events, PageCursor? Next);

/// <summary>
/// Turns an <see cref="EventQuery"/> into one SQL statement over the typed, indexed columns: the
/// events table's own columns, the identifier table for MATCH_ parameters and the sensor table for
/// the sensor filters. Pages by keyset (order value, storage number), so a page costs the same
/// however deep it is and a token never goes stale.
/// </summary>
public sealed class EventSearch(NpgsqlDataSource dataSource)
{
    public async Task<SearchPage> FindAsync(EventQuery query, CancellationToken ct)
    {
        var sql = new Sql();
        var where = Conditions(query, sql);
        var order = query.OrderBy == EventOrder.EventTime ? Event.EventTime : Event.RecordTime;
        var direction = query.Descending ? "desc" : "asc";
        if (query.After is { } after)
        {
            where.Add($"(e.{order}, e.{Event.Seq}) {(query.Descending ? "<" : ">")} ({sql.Add(after.After, NpgsqlDbType.TimestampTz)}, {sql.Add(after.Sequence, NpgsqlDbType.Bigint)})");
        }

        var pageSize = query.EventCountLimit is { } limit ? Math.Min(limit, query.PerPage) : query.PerPage;
        var text =
            $"select e.{Event.Seq}, e.{order}, e.{Event.Body}::text, e.{Event.Context}::text from {Events} e " +
            (where.Count > 0 ? "where " + string.Join(" and ", where) + " " : "") +
            $"order by e.{order} {direction}, e.{Event.Seq} {direction} limit {pageSize + 1}";
        await using var command = dataSource.CreateCommand(text);
        command.Parameters.AddRange(sql.Parameters.ToArray());
        var events = new List<StoredEvent>();
        PageCursor? last = null;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (events.Count == pageSize)
            {
                more = true;
                break;
            }

            events.Add(new StoredEvent(reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            last = new PageCursor(reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(0));
        }

        // eventCountLimit ends the answer: no page after it.
        return new SearchPage(events, more && query.EventCountLimit is null ? last : null);
    }

    /// <summary>How many events match, counting no further than <paramref name="atMost"/> + 1.</summary>
    public async Task<int> CountAsync(EventQuery query, int atMost, CancellationToken ct)
    {
        var sql = new Sql();
        var where = Conditions(query, sql);
        await using var command = dataSource.CreateCommand(
            $"select count(*) from (select 1 from {Events} e " +
            (where.Count > 0 ? "where " + string.Join(" and ", where) + " " : "") + $"limit {atMost + 1}) matched");
        command.Parameters.AddRange(sql.Parameters.ToArray());
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static List<string> Conditions(EventQuery q, Sql sql)
    {
        var where = new List<string>();
        void Any(string column, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                where.Add($"e.{column} = any({sql.Add(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)})");
            }
        }

        void Overlaps(string column, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                where.Add($"e.{column} && {sql.Add(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)}");
            }
        }

        void Time(string column, DateTimeOffset? value, string op)
        {
            if (value is { } t)
            {
                where.Add($"e.{column} {op} {sql.Add(t, NpgsqlDbType.TimestampTz)}");
            }
        }

        if (q.Scope is { } scope)
        {
            var locations = sql.Add(scope.Locations.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            where.Add($"(e.{Event.CapturedBy} = {sql.Add(scope.CapturedBy, NpgsqlDbType.Text)} or " +
                      $"e.{Event.BizLocation} = any({locations}) or e.{Event.ReadPoint} = any({locations}))");
        }

        Any(Event.Type, q.EventTypes);
        Time(Event.EventTime, q.GeEventTime, ">=");
        Time(Event.EventTime, q.LtEventTime, "<");
        Time(Event.RecordTime, q.GeRecordTime, ">=");
        Time(Event.RecordTime, q.LtRecordTime, "<");
        Any(Event.Action, q.Actions);
        Any(Event.BizStep, q.BizSteps);
        Any(Event.Disposition, q.Dispositions);
        Any(Event.ReadPoint, q.ReadPoints);
        Any(Event.BizLocation, q.BizLocations);
        Overlaps(Event.PersistentSet, q.PersistentSet);
        Overlaps(Event.PersistentUnset, q.PersistentUnset);
        Any(Event.EventId, q.EventIds);
        Any(Event.ErrorReason, q.ErrorReasons);
        Overlaps(Event.CorrectiveEventIds, q.CorrectiveEventIds);
        if (q.ErrorDeclared is { } declared)
        {
            where.Add($"e.{Event.Correction} = {(declared ? "true" : "false")}");
        }

        if (q.SensorElementPresent is { } present)
        {
            where.Add($"e.{Event.HasSensorElements} = {(present ? "true" : "false")}");
        }

        foreach (var condition in q.Epcs)
        {
            where.Add(EpcCondition(condition, sql));
        }

        if (!q.Sensor.IsEmpty)
        {
            where.Add(SensorCondition(q.Sensor, sql));
        }

        return where;
    }

    /// <summary>An IN over the identifier table: the index on (epc, ...) finds the few events of an EPC among millions.</summary>
    private static string EpcCondition(EpcCondition condition, Sql sql)
    {
        var roles = sql.Add(condition.Roles.Select(RoleName).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        var matches = new List<string>();
        var exact = condition.Values.Select(v => v.Exact).OfType<string>().ToArray();
        if (exact.Length > 0)
        {
            matches.Add($"x.{Epc.Value} = any({sql.Add(exact, NpgsqlDbType.Array | NpgsqlDbType.Text)})");
        }

        var prefixes = condition.Values.Select(v => v.Prefix).OfType<string>().Select(p => Like(p) + "%").ToArray();
        if (prefixes.Length > 0)
        {
            matches.Add($"x.{Epc.Value} like any({sql.Add(prefixes, NpgsqlDbType.Array | NpgsqlDbType.Text)})");
        }

        return $"e.{Event.Seq} in (select x.{Epc.EventSeq} from {EventEpcs} x where x.{Epc.Role} = any({roles}) " +
               $"and ({string.Join(" or ", matches)}))";
    }

    private static string SensorCondition(SensorCondition s, Sql sql)
    {
        var parts = new List<string> { $"r.{Sensor.EventSeq} = e.{Event.Seq}" };
        void Any(string column, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                parts.Add($"r.{column} = any({sql.Add(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)})");
            }
        }

        Any(Sensor.Type, s.Types);
        Any(Sensor.Uom, s.Uoms);
        Any(Sensor.DeviceId, s.DeviceIds);
        Any(Sensor.Exception, s.Exceptions);
        foreach (var c in s.Comparisons)
        {
            var column = $"r.{Sensor.Column(c.Field)}";
            var op = c.Operator switch
            {
                Comparison.GreaterOrEqual => ">=",
                Comparison.GreaterThan => ">",
                Comparison.LessOrEqual => "<=",
                Comparison.LessThan => "<",
                _ => "=",
            };
            if (c.Uom is null)
            {
                parts.Add($"{column} {op} {sql.Add(c.Value, NpgsqlDbType.Double)}");
            }
            else if (UnitOfMeasure.IsTemperature(c.Uom))
            {
                // A threshold in CEL also finds readings reported in KEL or FAH.
                parts.Add("(" + string.Join(" or ", UnitOfMeasure.Temperatures.Select(unit =>
                    $"(r.{Sensor.Uom} = '{unit}' and {column} {op} {sql.Add(UnitOfMeasure.ConvertTemperature(c.Value, c.Uom, unit), NpgsqlDbType.Double)})")) + ")");
            }
            else
            {
                parts.Add($"(r.{Sensor.Uom} = {sql.Add(c.Uom, NpgsqlDbType.Text)} and {column} {op} {sql.Add(c.Value, NpgsqlDbType.Double)})");
            }
        }

        return $"exists (select 1 from {SensorReports} r where {string.Join(" and ", parts)})";
    }

    private static string Like(string prefix) =>
        prefix.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    /// <summary>Positional parameters ($1, $2, ...) collected while the statement is written.</summary>
    private sealed class Sql
    {
        public List<NpgsqlParameter> Parameters { get; } = [];

        public string Add(object value, NpgsqlDbType type)
        {
            Parameters.Add(new NpgsqlParameter { Value = EpcisEventWriter.Utc(value)!, NpgsqlDbType = type });
            return "$" + Parameters.Count;
        }
    }
}
