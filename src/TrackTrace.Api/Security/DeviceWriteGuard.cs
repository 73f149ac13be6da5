using Npgsql;
using Weasel.Postgresql.Functions;
using TrackTrace.Api.Store;

namespace TrackTrace.Api.Security;

/// <summary>
/// Endpoint metadata: the endpoint's write carries the device check (a <see cref="DeviceWriteGuard"/>
/// in its transaction), so authentication need not read the attribute store before it. Every answer
/// of such an endpoint that does not come from that write confirms the device first.
/// </summary>
public sealed class DeviceCheckedInWrite;

/// <summary>
/// The device check inside the write transaction: the transaction fails unless the device's row is
/// still the version that was judged acceptable. A suspension or attribute change committed before
/// it makes the write fail; one committed after it waits for nothing and applies to the next request.
/// </summary>
public sealed record DeviceWriteGuard(string DeviceKey, long Version, string Fingerprint)
{
    /// <summary>
    /// True when every device row is at its expected version; raises <see cref="Violation"/> otherwise.
    /// Stable and a function of its arguments only, so a statement's WHERE evaluates it once, before
    /// anything is written (ScanReceipts' insert carries the guards of a whole group commit).
    /// </summary>
    public const string FunctionName = TrackTraceStore.Schema + ".devices_current";

    private const string Violation = "TT001";

    public static bool IsViolation(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: Violation })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Spelled as PostgreSQL's <c>pg_get_functiondef</c> gives it back: Weasel compares the two texts
    /// at every start-up, and on any other spelling it drops and makes the function again (with
    /// <c>cascade</c>, under the group commits of every running instance).
    /// </summary>
    public static Function Definition(StoreNames names) => Function.ForSql(
        $"""
        CREATE OR REPLACE FUNCTION {FunctionName}(device_keys text[], expected bigint[])
         RETURNS boolean
         LANGUAGE plpgsql
         STABLE
        AS $function$
        declare
          changed text;
        begin
          select k.key into changed from unnest(device_keys, expected) as k(key, version)
          where not exists (select 1 from {names.Devices} d where d.{StoreNames.IdColumn} = k.key and d.{StoreNames.VersionColumn} = k.version)
          limit 1;
          if changed is not null then
            raise exception 'device % changed since it was checked', changed using errcode = '{Violation}';
          end if;
          return true;
        end
        $function$;
        """);
}
