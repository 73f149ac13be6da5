using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Marten.Events.Projections;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Stations;

namespace TrackTrace.Api.Store;

/// <summary>
/// Read models that change in the same transaction as their facts (inline), each folded by the
/// domain's own pure <c>Fold</c>: the domain knows nothing of Marten, and Marten folds nothing the
/// domain does not.
/// </summary>
internal static class Projections
{
    /// <summary>The fact types of one kind of stream, so a projection sees only its own streams' events.</summary>
    public static IEnumerable<Type> FactsOf<TMarker>() =>
        typeof(TMarker).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(TMarker).IsAssignableFrom(t));
}

public sealed class DeviceProjection : SingleStreamProjection<Device, string>
{
    public DeviceProjection() => IncludedEventTypes.AddRange(Projections.FactsOf<IDeviceFact>());

    public override Device Evolve(Device? snapshot, string id, IEvent e) => Device.Fold(snapshot, e.Data);
}

public sealed class StationProjection : SingleStreamProjection<Station, string>
{
    public StationProjection() => IncludedEventTypes.AddRange(Projections.FactsOf<IStationFact>());

    public override Station Evolve(Station? snapshot, string id, IEvent e) => Station.Fold(snapshot, e.Data);
}

public sealed class AlertProjection : SingleStreamProjection<Alert, string>
{
    public AlertProjection() => IncludedEventTypes.AddRange(Projections.FactsOf<IAlertFact>());

    public override Alert Evolve(Alert? snapshot, string id, IEvent e) => Alert.Fold(snapshot, e.Data);
}

/// <summary>
/// Binds each certificate to exactly one device: a second binding fails the whole transaction
/// (insert, not upsert). Retiring marks it, so a retired certificate can never be bound again.
/// </summary>
public sealed partial class DeviceCertificateProjection : EventProjection
{
    public DeviceCertificateProjection()
    {
        IncludeType<DeviceEnrolled>();
        IncludeType<DeviceCertificateBound>();
        IncludeType<EnrollmentCompleted>();
        IncludeType<DeviceCertificateRenewed>();
        IncludeType<DeviceCertificateRetired>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case DeviceEnrolled d:
                operations.Insert(new DeviceCertificate(d.Certificate.Fingerprint, d.DeviceId));
                break;
            case DeviceCertificateBound d:
                operations.Insert(new DeviceCertificate(d.Certificate.Fingerprint, d.DeviceId));
                break;
            case EnrollmentCompleted d:
                operations.Insert(new DeviceCertificate(d.Certificate.Fingerprint, d.DeviceId));
                break;
            case DeviceCertificateRenewed d:
                operations.Insert(new DeviceCertificate(d.Certificate.Fingerprint, d.DeviceId));
                break;
            case DeviceCertificateRetired d:
                operations.Store(new DeviceCertificate(d.Fingerprint, d.DeviceId, Retired: true));
                break;
        }

        return ValueTask.CompletedTask;
    }
}
