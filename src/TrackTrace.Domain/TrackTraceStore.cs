using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Shipments;
using TrackTrace.Domain.Stations;
using Weasel.Core;

namespace TrackTrace.Domain;

/// <summary>How TrackTrace keeps its facts in Marten: one schema, string stream keys, inline read models.</summary>
public static class TrackTraceStore
{
    public const string Schema = "tracktrace";

    public static void Configure(StoreOptions opts)
    {
        opts.DatabaseSchemaName = Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // Shipment ids (SSCC-18 or references) are the stream keys; other streams carry a
        // lower-case prefix ("device-", "station-", "alert-") so the key spaces never meet.
        opts.Events.StreamIdentity = StreamIdentity.AsString;

        // Read models that must change in the same transaction as their facts.
        opts.Projections.Snapshot<Device>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<Station>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<Alert>(SnapshotLifecycle.Inline);
        opts.Projections.Add<DeviceCertificateProjection>(ProjectionLifecycle.Inline);

        // The shipment snapshot is written by the shipment write path itself (see Shipment.Fold),
        // so a check-in needs no extra read; these indexes serve the staff list.
        opts.Schema.For<Shipment>()
            .Duplicate(x => x.Status)
            .Duplicate(x => x.RouteId)
            .Duplicate(x => x.AnomalyCount)
            .Duplicate(x => x.UpdatedAt);
        opts.Schema.For<Alert>()
            .Duplicate(x => x.RaisedAt)
            .Duplicate(x => x.Type)
            .Duplicate(x => x.ShipmentId!);
        opts.Schema.For<DeviceCertificate>().Duplicate(x => x.DeviceId);
    }
}

/// <summary>Binds each certificate to exactly one device: a second binding fails the whole transaction.</summary>
public partial class DeviceCertificateProjection : EventProjection
{
    public void Project(DeviceEnrolled e, IDocumentOperations ops) =>
        ops.Insert(new DeviceCertificate(e.Certificate.Fingerprint, e.DeviceId));

    public void Project(DeviceCertificateBound e, IDocumentOperations ops) =>
        ops.Insert(new DeviceCertificate(e.Certificate.Fingerprint, e.DeviceId));
}
