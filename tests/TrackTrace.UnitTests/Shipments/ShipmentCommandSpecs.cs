using TrackTrace.Domain.ColdChain;
using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Shipments;
using static TrackTrace.UnitTests.Shipments.ShipmentFacts;

namespace TrackTrace.UnitTests.Shipments;

/// <summary>
/// The shipment rules besides the check-in: which sensors may report, who may release a refused
/// delivery, and when a scan's temperature is cold-chain evidence.
/// </summary>
public sealed class ShipmentCommandSpecs
{
    private const string OceanReefer = "ocean-reefer";
    private const string RoadDomestic = "road-domestic";
    private static readonly DateTimeOffset At = ScannedAt.AddHours(1);

    private static Shipment On(string route, params object[] more) =>
        ((object[])[Registered(route), .. more]).Aggregate((Shipment?)null, Shipment.Fold)!;

    private static Device Device(DeviceRole role) => Domain.Devices.Device.Enrolled(new DeviceEnrolled("SENSOR-1", role, null,
        new DeviceCertificateInfo("ab12", "CN=SENSOR-1", "CN=CA", At, At.AddDays(30)), new Dictionary<string, string>(), "ADMIN-1", At));

    [Fact]
    public void Only_an_enrolled_sensor_may_be_attached()
    {
        foreach (var candidate in new[] { null, Device(DeviceRole.Scanner), Device(DeviceRole.Staff) })
        {
            var refusal = ShipmentDecider.AttachSensor(On(OceanReefer), Workflow(OceanReefer), "SENSOR-1", candidate, "STAFF-1", At).Refusal;
            Assert.Equal(("not-a-sensor", RefusalKind.Unprocessable), (refusal?.Code, refusal?.Kind));
        }
    }

    [Fact]
    public void Only_a_cold_chain_route_takes_a_sensor() =>
        Assert.Equal("no-cold-chain",
            ShipmentDecider.AttachSensor(On(RoadDomestic), Workflow(RoadDomestic), "SENSOR-1", Device(DeviceRole.Sensor), "STAFF-1", At).Refusal?.Code);

    [Fact]
    public void Attaching_twice_changes_nothing_and_detaching_an_absent_sensor_changes_nothing()
    {
        var attached = Assert.Single(ShipmentDecider.AttachSensor(On(OceanReefer), Workflow(OceanReefer), "SENSOR-1", Device(DeviceRole.Sensor),
            "STAFF-1", At).Events);
        var shipment = On(OceanReefer, attached);

        Assert.Equal(Decision.Unchanged,
            ShipmentDecider.AttachSensor(shipment, Workflow(OceanReefer), "SENSOR-1", Device(DeviceRole.Sensor), "STAFF-1", At));
        Assert.Equal(Decision.Unchanged, ShipmentDecider.DetachSensor(On(OceanReefer), "SENSOR-1", "STAFF-1", At));
        Assert.IsType<SensorDetached>(Assert.Single(ShipmentDecider.DetachSensor(shipment, "SENSOR-1", "STAFF-1", At).Events));
    }

    [Fact]
    public void Only_an_attached_sensor_may_report_and_only_on_a_cold_chain_route()
    {
        var shipment = On(OceanReefer, new SensorAttached(Reference, "SENSOR-1", "STAFF-1", At));

        Assert.Null(ShipmentDecider.MayReport(shipment, Workflow(OceanReefer), "SENSOR-1"));
        Assert.Equal(("sensor-not-attached", RefusalKind.Forbidden),
            (ShipmentDecider.MayReport(shipment, Workflow(OceanReefer), "SENSOR-2")?.Code, ShipmentDecider.MayReport(shipment, Workflow(OceanReefer), "SENSOR-2")?.Kind));
        Assert.Equal("no-cold-chain", ShipmentDecider.MayReport(On(RoadDomestic), Workflow(RoadDomestic), "SENSOR-1")?.Code);
    }

    [Fact]
    public void Only_a_refused_delivery_can_be_released_and_the_release_keeps_who_and_why()
    {
        Assert.Equal(("not-refused", RefusalKind.Conflict),
            (ShipmentDecider.Release(On(OceanReefer), "inspected", "ADMIN-1", At).Refusal?.Code,
                ShipmentDecider.Release(On(OceanReefer), "inspected", "ADMIN-1", At).Refusal?.Kind));

        var refused = On(OceanReefer, ColdChainBreached());
        Assert.True(ShipmentDecider.Release(refused, "", "ADMIN-1", At).Refusal?.Errors?.ContainsKey("reason"));
        Assert.Equal(new DeliveryReleased(Reference, "ADMIN-1", "inspected, cargo fine", At),
            Assert.Single(ShipmentDecider.Release(refused, " inspected, cargo fine ", "ADMIN-1", At).Events));
    }

    [Fact]
    public void A_scans_temperature_is_evidence_only_when_the_scan_is_the_shipments_accepted_next_check_in()
    {
        var accepted = Spec.On(OceanReefer).Given(Journey(OceanReefer, through: 1))
            .When(ScanAt("truck", "TRUCK-2", celsius: 4.5)).Then(CheckInOutcome.Accepted, typeof(StationCheckedIn));
        Assert.Equal(new TemperatureSample(Scanner, ScannedAt, 4.5), accepted.Decision.Reading);

        var outOfSequence = Spec.On(OceanReefer).Given(Journey(OceanReefer, through: 1))
            .When(ScanAt("destination", "DESTINATION-7", celsius: 99)).Then(CheckInOutcome.OutOfSequence, typeof(OutOfSequenceScanRecorded));
        Assert.Null(outOfSequence.Decision.Reading);
        Assert.Equal(99, outOfSequence.Event<OutOfSequenceScanRecorded>().Celsius);

        var refusedAtTheDoor = Spec.On(OceanReefer).Given(Journey(OceanReefer, through: 6), ColdChainBreached())
            .When(ScanAt("destination", "DESTINATION-7", celsius: 20)).Then(CheckInOutcome.DeliveryRefused, typeof(DeliveryRefused));
        Assert.Null(refusedAtTheDoor.Decision.Reading);

        var noColdChain = Spec.On(RoadDomestic).Given(Journey(RoadDomestic, through: 1))
            .When(ScanAt("truck", "TRUCK-2", celsius: 4.5)).Then(CheckInOutcome.Accepted, typeof(StationCheckedIn));
        Assert.Null(noColdChain.Decision.Reading);
    }

    [Fact]
    public void A_backdated_fact_never_moves_the_shipments_last_activity_back()
    {
        var recent = On(RoadDomestic, CheckedIn(RoadDomestic, 1) with { ReceivedAt = At });
        var delivered = Shipment.Fold(recent, DeliveredAt("DESTINATION-7") with { DeliveredAt = At.AddDays(-20) });

        Assert.Equal(At, delivered.UpdatedAt);
        Assert.Equal(ShipmentStatus.Delivered, delivered.Status);
    }
}
