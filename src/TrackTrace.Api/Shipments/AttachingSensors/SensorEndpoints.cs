using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Api.Shipments.GettingShipment;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Shipments;

namespace TrackTrace.Api.Shipments.AttachingSensors;

public sealed record SensorRequest(string? DeviceId);

/// <summary>POST /api/shipments/{id}/sensors and DELETE .../sensors/{deviceId}: which sensors' readings count.</summary>
public static class SensorEndpoints
{
    public static void MapSensors(this RouteGroupBuilder shipment)
    {
        shipment.MapPost("/sensors", Attach).RequireAuthorization(Roles.Staff)
            .WithSummary("Attach a sensor device to the shipment (staff)");
        shipment.MapDelete("/sensors/{deviceId}", Detach).RequireAuthorization(Roles.Staff)
            .WithSummary("Detach a sensor (staff)");
    }

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Attach(
        string shipmentId, SensorRequest request, HttpContext http, ShipmentCommands commands, IQuerySession query,
        TimeProvider clock, CancellationToken ct)
    {
        if (!DeviceId.IsValid(request.DeviceId))
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["deviceId"] = [$"required: the id of an enrolled sensor ({DeviceId.Rule})"] });
        }

        var sensor = await query.LoadAsync<Device>(Device.StreamKey(request.DeviceId!), ct);
        return Answer(await commands.DecideAsync(shipmentId, (shipment, workflow) =>
            ShipmentDecider.AttachSensor(shipment, workflow, request.DeviceId!, sensor, http.User.DeviceId(), clock.GetUtcNow()), ct), clock);
    }

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> Detach(
        string shipmentId, string deviceId, HttpContext http, ShipmentCommands commands, TimeProvider clock,
        CancellationToken ct) =>
        Answer(await commands.DecideAsync(shipmentId, (shipment, _) =>
            ShipmentDecider.DetachSensor(shipment, deviceId, http.User.DeviceId(), clock.GetUtcNow()), ct), clock);

    private static Results<Ok<ShipmentView>, ProblemHttpResult> Answer(ShipmentChange change, TimeProvider clock) =>
        change.Refusal is { } refusal
            ? Problems.From(refusal)
            : TypedResults.Ok(ShipmentView.From(change.State!, change.Workflow!, clock.GetUtcNow()));
}
