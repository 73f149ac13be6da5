using Marten;
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
    private const string FunctionName = TrackTraceStore.Schema + ".assert_device_current";
    private const string Violation = "TT001";

    public void AddTo(IDocumentOperations session) =>
        // CALL of a procedure returns no result set, so it cannot disturb how Marten reads its batch.
        session.QueueSqlCommand($"call {FunctionName}(?, ?)", DeviceKey, Version);

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

    public static Function Definition(StoreNames names) => Function.ForSql(
        $"""
        create or replace procedure {FunctionName}(device_key text, expected bigint)
        language plpgsql as $$
        begin
          if not exists (select 1 from {names.Devices} where {StoreNames.IdColumn} = device_key and {StoreNames.VersionColumn} = expected) then
            raise exception 'device % changed since it was checked', device_key using errcode = '{Violation}';
          end if;
        end
        $$;
        """);
}
