using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>A device as the attribute store holds it now, with the version of its row.</summary>
public sealed record DeviceRecord(Device Device, long Version);

/// <summary>
/// Reads the device attribute store: one primary-key join from certificate fingerprint to device,
/// so its cost does not grow with the number of enrolled devices. It also remembers the last
/// record read per certificate, for endpoints whose write carries the device check in its own
/// transaction (<see cref="DeviceWriteGuard"/>): for them the remembered record only says who the
/// device was; whether it still may act is decided by the database when the write commits.
/// </summary>
public sealed class DeviceDirectory(NpgsqlDataSource dataSource, StoreNames names)
{
    private const int RememberedMax = 500_000;

    private readonly string _byFingerprint =
        $"select d.{StoreNames.DataColumn}::text, d.{StoreNames.VersionColumn} from {names.Devices} d " +
        $"join {names.DeviceCertificates} c on d.{StoreNames.IdColumn} = '{Device.StreamPrefix}' || c.{names.DeviceCertificateDevice} " +
        $"where c.{StoreNames.IdColumn} = $1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly ConcurrentDictionary<string, DeviceRecord> _recent = new();

    public async Task<DeviceRecord?> FindByCertificateAsync(string fingerprint, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(_byFingerprint);
        command.Parameters.AddWithValue(fingerprint);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            _recent.TryRemove(fingerprint, out _);
            return null;
        }

        var record = new DeviceRecord(JsonSerializer.Deserialize<Device>(reader.GetString(0), Json)!, reader.GetInt64(1));
        if (_recent.Count < RememberedMax)
        {
            _recent[fingerprint] = record;
        }

        return record;
    }

    /// <summary>The record last read for this certificate, if any; never proof that the device may act now.</summary>
    public DeviceRecord? Recent(string fingerprint) => _recent.GetValueOrDefault(fingerprint);

    public void Forget(string fingerprint) => _recent.TryRemove(fingerprint, out _);
}
