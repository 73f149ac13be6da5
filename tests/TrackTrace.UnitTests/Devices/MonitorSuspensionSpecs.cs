using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;

namespace TrackTrace.UnitTests.Devices;

/// <summary>
/// The monitoring rules suspend the way an admin does (the same fact, audited as monitor:{rule}), but
/// never an admin: a false positive on the last one would lock every operator out.
/// </summary>
public sealed class MonitorSuspensionSpecs
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DeviceCertificateInfo Certificate = new("ab12", "CN=x", "CN=TrackTrace Issuing CA", At, At.AddDays(30));

    private static Device Enrolled(DeviceRole role) => Device.Enrolled(new DeviceEnrolled("SCANNER-7", role,
        role == DeviceRole.Scanner ? "NLRTM-DOCK-3" : null, Certificate, new Dictionary<string, string>(), "ADMIN-1", At));

    [Fact]
    public void A_rule_suspends_a_scanner_with_the_same_fact_as_an_admin_audited_with_its_name()
    {
        var decision = DeviceDecider.Suspend(Enrolled(DeviceRole.Scanner), "certificate-clone: in use from two addresses",
            MonitorRules.By(MonitorRules.CertificateClone), At);

        Assert.Equal(new DeviceSuspended("SCANNER-7", "certificate-clone: in use from two addresses", "monitor:certificate-clone", At),
            Assert.Single(decision.Events));
    }

    [Fact]
    public void A_rule_never_suspends_an_admin()
    {
        var decision = DeviceDecider.Suspend(Enrolled(DeviceRole.Admin), "certificate-clone: in use from two addresses",
            MonitorRules.By(MonitorRules.CertificateClone), At);

        Assert.Empty(decision.Events);
        Assert.Equal((RefusalKind.Forbidden, "admin-not-suspendable-by-monitor"), (decision.Refusal!.Kind, decision.Refusal.Code));
        Assert.Single(DeviceDecider.Suspend(Enrolled(DeviceRole.Admin), "lost", Actor.Admin("ADMIN-2"), At).Events);
    }

    [Fact]
    public void A_rule_finding_the_device_suspended_already_changes_nothing()
    {
        var suspended = Device.Fold(Enrolled(DeviceRole.Scanner), new DeviceSuspended("SCANNER-7", "lost", "ADMIN-1", At));

        var decision = DeviceDecider.Suspend(suspended, "certificate-clone: again", MonitorRules.By(MonitorRules.CertificateClone), At);

        Assert.Equal(Decision.Unchanged, decision);
    }

    [Fact]
    public void Every_rule_has_one_name_and_is_audited_under_it() =>
        Assert.All(MonitorRules.All, rule => Assert.Equal($"monitor:{rule}", MonitorRules.By(rule).ToString()));
}
