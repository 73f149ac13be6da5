using TrackTrace.Domain.Devices;

namespace TrackTrace.UnitTests.Devices;

/// <summary>
/// The second factor: a valid certificate is not enough, the device must be enrolled, active and carry
/// the attributes the operator expects. A refusal names the attribute, never the value it wants.
/// </summary>
public sealed class DeviceAccessPolicySpecs
{
    private static readonly DateTimeOffset EnrolledAt = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = EnrolledAt.AddDays(10);

    // What the operator configured: every device active, provisioned in the 2025-03 key epoch, on site Rotterdam.
    private static readonly DeviceAccessPolicy Policy = new(new Dictionary<string, string>
    {
        ["status"] = "active",
        ["epoch"] = "2025-03",
        ["site"] = "rotterdam",
    });

    [Fact]
    public void A_certificate_enrolled_to_no_device_is_refused_as_unknown()
    {
        var rejection = Policy.Check(null, Certificate, Now);

        Assert.NotNull(rejection);
        Assert.Equal(("unknown-device", (string?)null), (rejection.Reason, rejection.Attribute));
        Assert.Equal("the client certificate is valid but is not enrolled to any device", rejection.Detail);
    }

    [Fact]
    public void A_suspended_device_is_refused_as_suspended_on_its_status()
    {
        var rejection = Policy.Check(Scanner(epoch: "2025-03").Then(Suspended()), Certificate, Now);

        Assert.NotNull(rejection);
        Assert.Equal(("suspended", "status"), (rejection.Reason, rejection.Attribute));
    }

    [Fact]
    public void A_device_resumed_after_a_suspension_is_let_in_again()
    {
        var resumed = Scanner(epoch: "2025-03").Then(Suspended())
            .Then(new DeviceResumed("SCANNER-7", "found", "ADMIN-1", EnrolledAt.AddDays(2)));

        Assert.Null(Policy.Check(resumed, Certificate, Now));
    }

    [Fact]
    public void A_device_with_another_value_for_an_expected_attribute_is_refused_naming_the_attribute_only()
    {
        var rejection = Policy.Check(Scanner(epoch: "2025-02"), Certificate, Now);

        Assert.NotNull(rejection);
        Assert.Equal(("attribute-mismatch", "epoch"), (rejection.Reason, rejection.Attribute));
        Assert.Equal("device 'SCANNER-7' does not have the expected value for attribute 'epoch'", rejection.Detail);
        Assert.DoesNotContain("2025-03", rejection.Detail);
    }

    [Fact]
    public void A_device_without_an_expected_attribute_is_refused_naming_it()
    {
        var rejection = Policy.Check(Scanner(epoch: null), Certificate, Now);

        Assert.NotNull(rejection);
        Assert.Equal(("attribute-mismatch", "epoch"), (rejection.Reason, rejection.Attribute));
    }

    [Fact]
    public void Attribute_values_are_matched_exactly()
    {
        var rejection = Policy.Check(Scanner(epoch: "2025-03", site: "Rotterdam"), Certificate, Now);

        Assert.Equal("site", rejection?.Attribute);
    }

    [Fact]
    public void An_active_device_with_every_expected_attribute_is_let_in()
    {
        var device = Scanner(epoch: "2025-03") with
        {
            Attributes = new Dictionary<string, string> { ["epoch"] = "2025-03", ["site"] = "rotterdam", ["firmware"] = "2.4.1" },
        };

        Assert.Null(Policy.Check(device, Certificate, Now));
    }

    [Fact]
    public void The_policy_can_require_the_attributes_the_service_owns()
    {
        var scannersOnDock3 = new DeviceAccessPolicy(new Dictionary<string, string>
        {
            ["role"] = "scanner",
            ["station"] = "NLRTM-DOCK-3",
        });

        Assert.Null(scannersOnDock3.Check(Scanner(epoch: "2025-03"), Certificate, Now));
        Assert.Equal("station", scannersOnDock3.Check(Scanner(epoch: "2025-03") with { StationId = "NLRTM-DOCK-4" }, Certificate, Now)?.Attribute);
        Assert.Equal("role", scannersOnDock3.Check(Scanner(epoch: "2025-03") with { Role = DeviceRole.Sensor }, Certificate, Now)?.Attribute);
    }

    [Fact]
    public void The_effective_attributes_add_status_role_and_station_to_the_operators()
    {
        var attributes = Scanner(epoch: "2025-03").EffectiveAttributes();

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["epoch"] = "2025-03",
                ["site"] = "rotterdam",
                ["status"] = "active",
                ["role"] = "scanner",
                ["station"] = "NLRTM-DOCK-3",
            },
            attributes);
        Assert.Equal("suspended", Scanner(epoch: "2025-03").Then(Suspended()).EffectiveAttributes()["status"]);
    }

    [Fact]
    public void A_device_at_no_station_has_no_station_attribute()
    {
        var staff = Scanner(epoch: "2025-03") with { Role = DeviceRole.Staff, StationId = null };

        Assert.False(staff.EffectiveAttributes().ContainsKey("station"));
        Assert.Equal("staff", staff.EffectiveAttributes()["role"]);
    }

    [Fact]
    public void The_service_owns_status_role_and_station() =>
        Assert.Equal(["role", "station", "status"], Device.ReservedAttributes.Order());

    private static Device Scanner(string? epoch, string site = "rotterdam")
    {
        var attributes = new Dictionary<string, string> { ["site"] = site };
        if (epoch is not null)
        {
            attributes["epoch"] = epoch;
        }

        return Device.Enrolled(new DeviceEnrolled("SCANNER-7", DeviceRole.Scanner, "NLRTM-DOCK-3",
            new DeviceCertificateInfo("ab12", "CN=SCANNER-7", "CN=TrackTrace Devices", EnrolledAt, EnrolledAt.AddYears(1)),
            attributes, "ADMIN-1", EnrolledAt));
    }

    private const string Certificate = "ab12";

    private static DeviceSuspended Suspended() => new("SCANNER-7", "reported lost", "ADMIN-1", EnrolledAt.AddDays(1));

    [Fact]
    public void A_retired_certificate_is_refused_while_the_devices_other_certificates_still_work()
    {
        var device = Scanner(epoch: "2025-03")
            .Then(new DeviceCertificateBound("SCANNER-7",
                new DeviceCertificateInfo("cd34", "CN=SCANNER-7", "CN=TrackTrace Devices", EnrolledAt, EnrolledAt.AddYears(1)),
                "ADMIN-1", EnrolledAt.AddDays(1)))
            .Then(new DeviceCertificateRetired("SCANNER-7", Certificate, "leaked", "ADMIN-1", EnrolledAt.AddDays(2)));

        var rejection = Policy.Check(device, Certificate, Now);

        Assert.NotNull(rejection);
        Assert.Equal(("certificate-retired", "certificate"), (rejection.Reason, rejection.Attribute));
        Assert.Null(Policy.Check(device, "cd34", Now));
    }
}

internal static class DeviceFacts
{
    public static Device Then(this Device device, object fact) => Device.Fold(device, fact);
}
