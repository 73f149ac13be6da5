using System.Text.Json;
using Marten;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Store;

/// <summary>
/// Every name of Marten's own tables, columns and JSON paths that our SQL uses, in one place and
/// derived from Marten's mapping where Marten exposes it, so a renamed type or property changes
/// the SQL with it (and StoreNamesTests fails when a name no longer exists in the database).
/// Raw SQL elsewhere reads our own tables only.
/// </summary>
public sealed class StoreNames
{
    /// <summary>Marten's fixed column names for documents; its API does not expose them.</summary>
    public const string IdColumn = "id";
    public const string DataColumn = "data";
    public const string VersionColumn = "mt_version";
    public const string DotNetTypeColumn = "mt_dotnet_type";
    public const string LastModifiedColumn = "mt_last_modified";

    /// <summary>The duplicated columns of <see cref="Shipment.NextDueAt"/> and <see cref="Shipment.OverdueSince"/> (snake_case, as Marten names them).</summary>
    public static readonly string ShipmentNextDueColumn = Column(nameof(Shipment.NextDueAt));
    public static readonly string ShipmentOverdueSinceColumn = Column(nameof(Shipment.OverdueSince));

    /// <summary>
    /// The duplicated columns of the shipment snapshot, in the order <see cref="Shipments.ShipmentSnapshots"/>
    /// writes them: every <c>Duplicate</c> of <see cref="TrackTraceStore"/> (a test holds the two equal).
    /// </summary>
    public static readonly IReadOnlyList<string> ShipmentDuplicatedColumns =
    [
        Column(nameof(Shipment.Status)), Column(nameof(Shipment.RouteId)), Column(nameof(Shipment.AnomalyCount)),
        ShipmentNextDueColumn, ShipmentOverdueSinceColumn, Column(nameof(Shipment.UpdatedAt)),
    ];

    public StoreNames(IReadOnlyStoreOptions options)
    {
        Shipments = options.Schema.For<Shipment>();
        Devices = options.Schema.For<Device>();
        DeviceCertificates = options.Schema.For<DeviceCertificate>();
        DeviceCertificateDevice = Column(nameof(DeviceCertificate.DeviceId));
        ShipmentSensorsKey = Json(nameof(Shipment.Sensors));
        ShipmentNextDueKey = Json(nameof(Shipment.NextDueAt));
        ShipmentVersionKey = Json(nameof(Shipment.Version));
    }

    /// <summary>The shipment snapshots (one row per shipment, written by the shipment write path).</summary>
    public string Shipments { get; }

    /// <summary>The device attribute store (inline projection of the device streams).</summary>
    public string Devices { get; }

    /// <summary>Certificate fingerprint → device (inline projection, unique per certificate).</summary>
    public string DeviceCertificates { get; }

    /// <summary>The duplicated column of <see cref="DeviceCertificate.DeviceId"/>.</summary>
    public string DeviceCertificateDevice { get; }

    /// <summary>The JSON key of <see cref="Shipment.Sensors"/> in a shipment's data.</summary>
    public string ShipmentSensorsKey { get; }

    /// <summary>The JSON key of <see cref="Shipment.NextDueAt"/> in a shipment's data.</summary>
    public string ShipmentNextDueKey { get; }

    /// <summary>The JSON key of <see cref="Shipment.Version"/> (the stream version the snapshot reflects).</summary>
    public string ShipmentVersionKey { get; }

    /// <summary>Names of the tables and columns above, for the test that checks them against the database.</summary>
    public IReadOnlyList<(string Table, string Column)> Columns() =>
    [
        (Shipments, IdColumn), (Shipments, DataColumn), (Shipments, VersionColumn), (Shipments, DotNetTypeColumn),
        (Shipments, LastModifiedColumn), .. ShipmentDuplicatedColumns.Select(c => (Shipments, c)),
        (Devices, IdColumn), (Devices, DataColumn), (Devices, VersionColumn),
        (DeviceCertificates, IdColumn), (DeviceCertificates, DeviceCertificateDevice),
    ];

    // Marten's duplicated fields are named snake_case after the member, its JSON camelCase (TrackTraceStore).
    private static string Column(string member) => JsonNamingPolicy.SnakeCaseLower.ConvertName(member);

    private static string Json(string member) => JsonNamingPolicy.CamelCase.ConvertName(member);
}
