using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Devices;
using TrackTrace.Api.Devices.GettingActivity;
using TrackTrace.Api.Monitoring;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Shipments;
using Weasel.Core;

namespace TrackTrace.Api.Store;

/// <summary>
/// How TrackTrace keeps its facts in Marten: one schema, string stream keys, inline read models
/// folded by the domain, and the service's own tables beside them.
/// </summary>
public static class TrackTraceStore
{
    public const string Schema = "tracktrace";

    public static void Configure(StoreOptions opts)
    {
        opts.DatabaseSchemaName = Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // Shipment ids (SSCC-18 or upper-case references) are the stream keys; other streams carry a
        // lower-case prefix ("device-", "station-", "alert-") so the key spaces never meet.
        opts.Events.StreamIdentity = StreamIdentity.AsString;

        // A fact carries the trace context of the request that stored it (when traced), so the
        // message published for it later continues that trace.
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.OpenTelemetry.TrackConnections = JasperFx.OpenTelemetry.TrackLevel.Normal;

        // Read models that must change in the same transaction as their facts.
        opts.Projections.Add(new DeviceProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new StationProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new AlertProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new DeviceCertificateProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new DeviceWatchProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new DeviceScanProjection(), ProjectionLifecycle.Inline);

        // The shipment snapshot is written by the shipment write path itself (ShipmentStreams), so a
        // check-in needs no extra read; these indexes serve the staff list's filters, and the next due
        // time the overdue monitor (indexed only where there is one: delivered shipments drop out of it).
        // Every check-in writes the row into each of them, so none is kept that no query uses. The list
        // shows the overdue first (longest overdue first: the overdue_since index), then the rest newest
        // first: the updated_at index holds only the rest, so each part's page is read in index order.
        opts.Schema.For<Shipment>()
            .Duplicate(x => x.Status)
            .Duplicate(x => x.RouteId)
            .Duplicate(x => x.AnomalyCount)
            .Duplicate(x => x.NextDueAt!, configure: index => index.Predicate = $"{StoreNames.ShipmentNextDueColumn} is not null")
            .Duplicate(x => x.OverdueSince!, configure: index => index.Predicate = $"{StoreNames.ShipmentOverdueSinceColumn} is not null")
            .Duplicate(x => x.UpdatedAt, configure: index => index.Predicate = $"{StoreNames.ShipmentOverdueSinceColumn} is null");
        opts.Schema.For<Alert>()
            .Duplicate(x => x.RaisedAt)
            .Duplicate(x => x.Type)
            .Duplicate(x => x.ShipmentId!)
            .Duplicate(x => x.DeviceId!);
        opts.Schema.For<DeviceCertificate>().Duplicate(x => x.DeviceId);
        // The renewal-grace sweep and GET /api/devices?expiringWithin= look devices up by these, the
        // fleet list's filters by role, status and station (its pages walk the primary key).
        opts.Schema.For<Device>()
            .Duplicate(x => x.RetirementDueAt!)
            .Duplicate(x => x.CertificateExpiresAt!)
            .Duplicate(x => x.Role)
            .Duplicate(x => x.Status)
            .Duplicate(x => x.StationId!);
        opts.RegisterDocumentType<DeviceLastSeen>();

        var names = new StoreNames(opts);
        opts.Storage.ExtendedSchemaObjects.Add(WebhookDeliveries.Table());
        opts.Storage.ExtendedSchemaObjects.Add(AlertBudget.Table());
        opts.Storage.ExtendedSchemaObjects.AddRange(ColdChainTables.All());
        opts.Storage.ExtendedSchemaObjects.AddRange(SightingTables.All());
        opts.Storage.ExtendedSchemaObjects.Add(DeviceActivityLog.Table());
        opts.Storage.ExtendedSchemaObjects.Add(DeviceWriteGuard.Definition(names));
        opts.Storage.ExtendedSchemaObjects.Add(ScanReceipts.Definition());
        opts.Storage.ExtendedSchemaObjects.AddRange(Epcis.EpcisTables.All());
    }
}
