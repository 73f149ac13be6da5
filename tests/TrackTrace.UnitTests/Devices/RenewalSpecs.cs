using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using static TrackTrace.UnitTests.Devices.Scanner7;

namespace TrackTrace.UnitTests.Devices;

/// <summary>
/// A device renews itself with a new key. The old certificate keeps working until the new one is
/// first used or the grace ends; then it is retired. The old one coming back after the new one was
/// used means two holders of the device's keys: the device is suspended.
/// </summary>
public sealed class RenewalSpecs
{
    private static readonly TimeSpan Grace = TimeSpan.FromHours(24);
    private static readonly DateTimeOffset RenewedAt = RegisteredAt.AddDays(21);
    private static readonly DeviceAccessPolicy Policy = new(new Dictionary<string, string> { ["status"] = "active" });

    private static RenewCertificate Renewal(string fingerprint = "cert-2", string key = "key-2", string presented = "cert-1", string presentedKey = "key-1") =>
        new(presented, presentedKey, Certificate(fingerprint, key, RenewedAt), "ECDSA P-256", Grace, RenewedAt);

    private static DeviceCertificateRenewed Renewed() =>
        new(Id, Certificate("cert-2", "key-2", RenewedAt), "ECDSA P-256", "cert-1", RenewedAt + Grace, "device:" + Id, RenewedAt);

    [Fact]
    public void A_renewal_binds_the_new_certificate_and_keeps_the_old_one_working_until_its_successor_is_used()
    {
        var renewed = DeviceSpec.Given(Enrolled())
            .When(d => DeviceDecider.Renew(d, Renewal()))
            .Then(Renewed());

        Assert.Null(Policy.Check(renewed.State, "cert-1", RenewedAt.AddHours(1)));
        Assert.Null(Policy.Check(renewed.State, "cert-2", RenewedAt.AddHours(1)));
        Assert.Equal(RenewedAt + Grace, renewed.State.RetirementDueAt);
        Assert.Equal(RenewedAt.AddDays(30), renewed.State.CertificateExpiresAt);
    }

    [Fact]
    public void Renewing_with_the_key_of_the_certificate_presented_is_refused()
    {
        DeviceSpec.Given(Enrolled())
            .When(d => DeviceDecider.Renew(d, Renewal(key: "key-1")))
            .ThenRefused(RefusalKind.Invalid, "key-reused");
    }

    [Fact]
    public void Renewing_with_the_key_of_another_live_certificate_of_the_device_is_refused()
    {
        DeviceSpec.Given(Enrolled(), new DeviceCertificateBound(Id, Certificate("cert-9", "key-9"), Admin, RegisteredAt.AddDays(2)))
            .When(d => DeviceDecider.Renew(d, Renewal(key: "key-9")))
            .ThenRefused(RefusalKind.Invalid, "key-reused");
    }

    [Fact]
    public void A_suspended_device_cannot_renew()
    {
        DeviceSpec.Given(Enrolled(), new DeviceSuspended(Id, "lost", Admin, RegisteredAt.AddDays(20)))
            .When(d => DeviceDecider.Renew(d, Renewal()))
            .ThenRefused(RefusalKind.Forbidden, "device-suspended");
    }

    [Fact]
    public void The_first_use_of_the_new_certificate_retires_the_old_one_by_the_device_itself()
    {
        var used = DeviceSpec.Given(Enrolled(), Renewed())
            .When(d => DeviceDecider.RetireRenewed(d, "cert-2", RenewedAt.AddHours(2)))
            .Then(typeof(DeviceCertificateRetired));

        var retired = used.Event<DeviceCertificateRetired>();
        Assert.Equal(("cert-1", "device:scanner-7", "cert-2"), (retired.Fingerprint, retired.RetiredBy, retired.SupersededBy));
        Assert.Equal("certificate-retired", Policy.Check(used.State, "cert-1", RenewedAt.AddHours(2))?.Reason);
        Assert.Empty(used.State.AwaitingRetirement);
        Assert.Null(used.State.RetirementDueAt);
    }

    [Fact]
    public void Once_retired_the_first_use_of_the_new_certificate_changes_nothing_more()
    {
        var retired = new DeviceCertificateRetired(Id, "cert-1", "renewed", "device:" + Id, RenewedAt.AddHours(2), "cert-2");

        DeviceSpec.Given(Enrolled(), Renewed(), retired)
            .When(d => DeviceDecider.RetireRenewed(d, "cert-2", RenewedAt.AddHours(3)))
            .Then();
    }

    [Fact]
    public void When_the_grace_ends_the_old_certificate_is_refused_at_once_and_the_sweep_retires_it()
    {
        var given = DeviceSpec.Given(Enrolled(), Renewed());
        Assert.Equal("certificate-retired", Policy.Check(given.State, "cert-1", RenewedAt + Grace)?.Reason);
        Assert.Null(Policy.Check(given.State, "cert-2", RenewedAt + Grace));

        var swept = given.When(d => DeviceDecider.RetireAfterGrace(d, RenewedAt + Grace + TimeSpan.FromMinutes(1)))
            .Then(typeof(DeviceCertificateRetired));
        Assert.Equal(("cert-1", "monitor:renewal-grace", (string?)null),
            (swept.Event<DeviceCertificateRetired>().Fingerprint, swept.Event<DeviceCertificateRetired>().RetiredBy, swept.Event<DeviceCertificateRetired>().SupersededBy));
    }

    [Fact]
    public void Before_the_grace_ends_the_sweep_retires_nothing()
    {
        DeviceSpec.Given(Enrolled(), Renewed())
            .When(d => DeviceDecider.RetireAfterGrace(d, RenewedAt + Grace - TimeSpan.FromSeconds(1)))
            .Then();
    }

    [Fact]
    public void The_retired_certificate_used_after_its_successor_suspends_the_device_as_a_monitor()
    {
        var retired = new DeviceCertificateRetired(Id, "cert-1", "renewed", "device:" + Id, RenewedAt.AddHours(2), "cert-2");

        var suspended = DeviceSpec.Given(Enrolled(), Renewed(), retired)
            .When(d => DeviceDecider.SuspectClone(d, "cert-1", RenewedAt.AddHours(3)))
            .Then(typeof(DeviceSuspended));

        Assert.Equal("monitor:retired-certificate-reused", suspended.Event<DeviceSuspended>().SuspendedBy);
        Assert.Equal(DeviceStatus.Suspended, suspended.State.Status);
    }

    [Fact]
    public void A_certificate_retired_by_the_grace_or_an_admin_is_refused_but_suspends_nobody()
    {
        var byGrace = new DeviceCertificateRetired(Id, "cert-1", "grace ended", "monitor:renewal-grace", RenewedAt + Grace);

        DeviceSpec.Given(Enrolled(), Renewed(), byGrace)
            .When(d => DeviceDecider.SuspectClone(d, "cert-1", RenewedAt.AddDays(2)))
            .Then();
    }

    [Fact]
    public void Renewing_again_with_the_old_certificate_retires_the_unused_successor()
    {
        var again = DeviceSpec.Given(Enrolled(), Renewed())
            .When(d => DeviceDecider.Renew(d, Renewal("cert-3", "key-3") with { At = RenewedAt.AddHours(5) }))
            .Then(typeof(DeviceCertificateRetired), typeof(DeviceCertificateRenewed));

        Assert.Equal("cert-2", again.Event<DeviceCertificateRetired>().Fingerprint);
        Assert.Equal([new PendingRetirement("cert-1", "cert-3", RenewedAt.AddHours(5) + Grace)], again.State.AwaitingRetirement);
    }

    [Fact]
    public void Retiring_the_new_certificate_keeps_the_old_one_and_stops_waiting_for_it()
    {
        var leaked = new DeviceCertificateRetired(Id, "cert-2", "leaked", Admin, RenewedAt.AddHours(1));

        var state = DeviceSpec.Given(Enrolled(), Renewed(), leaked).State;

        Assert.Empty(state.AwaitingRetirement);
        Assert.Null(Policy.Check(state, "cert-1", RenewedAt + Grace + TimeSpan.FromDays(1)));
    }

    [Fact]
    public void The_expiry_of_a_device_is_that_of_its_newest_certificate_that_is_not_retired()
    {
        var state = DeviceSpec.Given(Enrolled(), Renewed(),
            new DeviceCertificateRetired(Id, "cert-2", "leaked", Admin, RenewedAt.AddHours(1))).State;

        Assert.Equal(RegisteredAt.AddHours(1).AddDays(30), state.CertificateExpiresAt);
    }
}
