using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Stations;

namespace TrackTrace.UnitTests.Devices;

/// <summary>
/// Given a device as its stream left it, When an admin (or the bus, or the service) asks for a change,
/// Then the decider answers with the facts to append, nothing (already so), or a refusal.
/// </summary>
public sealed class DeviceDeciderSpecs
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly Actor Admin = Actor.Admin("ADMIN-1");
    private static readonly Actor Bus = new(ActorKind.Bus, "monitoring");
    private static readonly Station Dock = Station.Registered(new StationRegistered("NLRTM-DOCK-3", "port", "Dock 3", null, "ADMIN-1", At));
    private static readonly DeviceCertificateInfo Certificate = Info("ab12");

    private static DeviceCertificateInfo Info(string fingerprint) =>
        new(fingerprint, "CN=SCANNER-7", "CN=TrackTrace Issuing CA", At, At.AddDays(30));

    private static EnrollDevice Enroll(string? id = "SCANNER-7", string? role = "scanner", string? station = "NLRTM-DOCK-3",
        Dictionary<string, string>? attributes = null) =>
        new(id, role, station, Certificate, attributes, Admin, At);

    private static Device Given(params object[] facts) => facts.Aggregate((Device?)null, Device.Fold)!;

    private static Device Scanner(params object[] more) =>
        Given([new DeviceEnrolled("SCANNER-7", DeviceRole.Scanner, "NLRTM-DOCK-3", Certificate, new Dictionary<string, string>(), "ADMIN-1", At), .. more]);

    private static Device AdminDevice() =>
        Given(new DeviceEnrolled("admin", DeviceRole.Admin, null, Certificate, new Dictionary<string, string>(), "bootstrap", At));

    private static Refusal Refused(Decision decision) => Assert.IsType<Refusal>(decision.Refusal);

    [Fact]
    public void Enrolling_a_scanner_at_a_registered_station_records_who_enrolled_it()
    {
        var enrolled = Assert.IsType<DeviceEnrolled>(Assert.Single(DeviceDecider.Enroll(Enroll(), Dock).Events));

        Assert.Equal(("SCANNER-7", DeviceRole.Scanner, "NLRTM-DOCK-3", Certificate, "ADMIN-1", At),
            (enrolled.DeviceId, enrolled.Role, enrolled.StationId, enrolled.Certificate, enrolled.EnrolledBy, enrolled.EnrolledAt));
        Assert.Empty(enrolled.Attributes);
    }

    [Theory]
    [InlineData("sensor,staff")]
    [InlineData("3")]
    [InlineData("Scanner|Admin")]
    [InlineData("superuser")]
    [InlineData(null)]
    public void A_role_is_exactly_one_of_the_four_names(string? role)
    {
        var refusal = Refused(DeviceDecider.Enroll(Enroll(role: role, station: null), null));

        Assert.Equal(RefusalKind.Invalid, refusal.Kind);
        Assert.Equal(["required: one of scanner, sensor, staff, admin, partner"], refusal.Errors!["role"]);
    }

    [Theory]
    [InlineData("ADMIN", DeviceRole.Admin)]
    [InlineData("sensor", DeviceRole.Sensor)]
    public void A_role_name_may_come_in_any_letter_case(string role, DeviceRole expected) =>
        Assert.Equal(expected, Assert.IsType<DeviceEnrolled>(DeviceDecider.Enroll(Enroll(role: role, station: null), null).Events.Single()).Role);

    [Fact]
    public void A_scanner_needs_a_station_and_nobody_else_has_one()
    {
        Assert.Contains("required for a scanner", Refused(DeviceDecider.Enroll(Enroll(station: null), null)).Errors!["stationId"][0]);
        Assert.Contains("only scanners", Refused(DeviceDecider.Enroll(Enroll(role: "sensor"), Dock)).Errors!["stationId"][0]);
    }

    [Fact]
    public void A_scanner_at_a_station_that_is_not_registered_is_unprocessable()
    {
        var refusal = Refused(DeviceDecider.Enroll(Enroll(station: "NOWHERE-1"), null));

        Assert.Equal((RefusalKind.Unprocessable, "unknown-station"), (refusal.Kind, refusal.Code));
    }

    [Theory]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    [InlineData("")]
    public void A_device_id_follows_the_one_rule_the_cli_uses_too(string id) =>
        Assert.True(Refused(DeviceDecider.Enroll(Enroll(id: id), Dock)).Errors!.ContainsKey("deviceId"));

    [Fact]
    public void The_service_owned_attributes_cannot_be_set_by_an_operator() =>
        Assert.Contains("owned by the service",
            Refused(DeviceDecider.Enroll(Enroll(attributes: new() { ["status"] = "active" }), Dock)).Errors!["attributes"][0]);

    [Fact]
    public void Binding_a_certificate_the_device_has_changes_nothing_and_a_new_one_is_a_renewal()
    {
        Assert.Equal(Decision.Unchanged, DeviceDecider.BindCertificate(Scanner(), Certificate, Admin, At));
        Assert.IsType<DeviceCertificateBound>(Assert.Single(DeviceDecider.BindCertificate(Scanner(), Info("cd34"), Admin, At).Events));
    }

    [Fact]
    public void Retiring_one_certificate_leaves_the_others_and_a_retired_one_is_never_bound_again()
    {
        var device = Scanner(new DeviceCertificateBound("SCANNER-7", Info("cd34"), "ADMIN-1", At));

        var retired = Assert.IsType<DeviceCertificateRetired>(Assert.Single(
            DeviceDecider.RetireCertificate(device, "AB:12", "leaked", Admin, At).Events));
        Assert.Equal(("ab12", "leaked", "ADMIN-1"), (retired.Fingerprint, retired.Reason, retired.RetiredBy));

        var after = Device.Fold(device, retired);
        Assert.True(after.IsRetired("ab12"));
        Assert.False(after.IsRetired("cd34"));
        Assert.Equal(Decision.Unchanged, DeviceDecider.RetireCertificate(after, "ab12", "again", Admin, At));
        Assert.Equal("certificate-retired", Refused(DeviceDecider.BindCertificate(after, Certificate, Admin, At)).Code);
    }

    [Fact]
    public void Retiring_needs_a_reason_and_a_certificate_of_this_device()
    {
        Assert.True(Refused(DeviceDecider.RetireCertificate(Scanner(), "ab12", " ", Admin, At)).Errors!.ContainsKey("reason"));
        Assert.Equal(RefusalKind.NotFound, Refused(DeviceDecider.RetireCertificate(Scanner(), "ffff", "leaked", Admin, At)).Kind);
    }

    [Fact]
    public void Changing_attributes_to_the_same_set_changes_nothing_and_needs_a_reason()
    {
        var device = Scanner(new DeviceAttributesChanged("SCANNER-7", new Dictionary<string, string>(),
            new Dictionary<string, string> { ["epoch"] = "7" }, "ADMIN-1", "rotation", At));

        Assert.Equal(Decision.Unchanged, DeviceDecider.ChangeAttributes(device, new Dictionary<string, string> { ["epoch"] = "7" }, "again", Admin, At));
        Assert.True(Refused(DeviceDecider.ChangeAttributes(device, new Dictionary<string, string> { ["epoch"] = "8" }, null, Admin, At))
            .Errors!.ContainsKey("reason"));
        var changed = Assert.IsType<DeviceAttributesChanged>(Assert.Single(
            DeviceDecider.ChangeAttributes(device, new Dictionary<string, string> { ["epoch"] = "8" }, "rotation", Admin, At).Events));
        Assert.Equal("7", changed.Previous["epoch"]);
    }

    [Fact]
    public void Suspending_a_suspended_device_changes_nothing_so_a_redelivered_command_is_harmless()
    {
        var suspended = Scanner(new DeviceSuspended("SCANNER-7", "lost", "ADMIN-1", At));

        Assert.Equal(Decision.Unchanged, DeviceDecider.Suspend(suspended, "lost again", Bus, At));
        Assert.Equal(Decision.Unchanged, DeviceDecider.Resume(Scanner(), "found", Admin, At));
    }

    [Fact]
    public void The_bus_may_suspend_a_scanner_and_is_named_in_the_audit_but_may_not_suspend_an_admin()
    {
        var suspended = Assert.IsType<DeviceSuspended>(Assert.Single(DeviceDecider.Suspend(Scanner(), "tamper alarm", Bus, At).Events));
        Assert.Equal("bus:monitoring", suspended.SuspendedBy);

        var refusal = Refused(DeviceDecider.Suspend(AdminDevice(), "lock everyone out", Bus, At));
        Assert.Equal((RefusalKind.Forbidden, "admin-not-suspendable-from-bus"), (refusal.Kind, refusal.Code));
        Assert.IsType<DeviceSuspended>(Assert.Single(DeviceDecider.Suspend(AdminDevice(), "left the company", Admin, At).Events));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void A_suspension_needs_a_reason(string? reason) =>
        Assert.True(Refused(DeviceDecider.Suspend(Scanner(), reason, Admin, At)).Errors!.ContainsKey("reason"));

    [Fact]
    public void A_reason_is_bounded_to_500_characters()
    {
        Assert.True(Refused(DeviceDecider.Suspend(Scanner(), new string('x', 501), Bus, At)).Errors!.ContainsKey("reason"));
        Assert.Single(DeviceDecider.Suspend(Scanner(), new string('x', 500), Bus, At).Events);
    }
}
