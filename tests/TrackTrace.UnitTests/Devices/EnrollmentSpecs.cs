using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;
using static TrackTrace.UnitTests.Devices.Scanner7;

namespace TrackTrace.UnitTests.Devices;

/// <summary>
/// A device the admin registered enrolls itself with its one-time token: once, before it expires,
/// while it is the newest token, and while the device is not suspended. Wrong tokens are counted and
/// void the token after <see cref="DeviceDecider.MaxWrongTokens"/>; every refusal is recorded, repeats
/// that count against nothing at most once per window.
/// </summary>
public sealed class EnrollmentSpecs
{
    private static readonly DeviceCertificateInfo Issued = Certificate("cert-1", "key-1", RegisteredAt.AddHours(1));

    [Fact]
    public void Registering_a_device_without_a_certificate_starts_it_pending_with_its_token()
    {
        var decision = DeviceDecider.Register(new RegisterDevice(Id, "scanner", "NLRTM-DOCK-3", null,
            new NewEnrollmentToken(Token, RegisteredAt.AddHours(24)), Actor.Admin(Admin), RegisteredAt), new TrackTrace.Domain.Stations.Station { StationId = "NLRTM-DOCK-3", Type = "port", Name = "dock 3" });

        Assert.Null(decision.Refusal);
        Assert.Collection(decision.Events,
            e => Assert.Equal((Id, DeviceRole.Scanner, "NLRTM-DOCK-3", "admin-1"), e is DeviceRegistered r ? (r.DeviceId, r.Role, r.StationId!, r.RegisteredBy) : default),
            e => Assert.Equal(TokenIssued(), e));
        var device = decision.Events.Aggregate((Device?)null, Device.Fold)!;
        Assert.True(device.IsPending());
        Assert.Empty(device.Certificates);
        Assert.Null(device.CertificateExpiresAt);
        Assert.Equal(EnrollmentTokenState.Live, device.Enrollment?.State);
    }

    [Fact]
    public void Registering_checks_the_same_rules_as_enrolling_with_a_certificate()
    {
        var decision = DeviceDecider.Register(new RegisterDevice("bad id", "scanner", null, null,
            new NewEnrollmentToken(Token, RegisteredAt.AddHours(24)), Actor.Admin(Admin), RegisteredAt), null);

        Assert.Equal(RefusalKind.Invalid, decision.Refusal?.Kind);
        Assert.Equal(["deviceId", "stationId"], decision.Refusal!.Errors!.Keys.Order());
    }

    [Fact]
    public void The_right_token_in_time_enrolls_the_key_and_uses_the_token_up_in_one_fact()
    {
        var spec = DeviceSpec.Given(Registered(), TokenIssued())
            .When(d => DeviceDecider.CompleteEnrollment(d, Attempt(), Issued, "ECDSA P-256"))
            .Then(new EnrollmentCompleted(Id, Issued, "ECDSA P-256", "device:scanner-7", RegisteredAt.AddHours(1)));

        Assert.False(spec.State.IsPending());
        Assert.Equal(EnrollmentTokenState.Used, spec.State.Enrollment?.State);
        Assert.Equal(Issued.NotAfter, spec.State.CertificateExpiresAt);
    }

    [Fact]
    public void The_same_token_again_is_a_replay()
    {
        var refused = DeviceSpec.Given(Enrolled())
            .When(d => DeviceDecider.CompleteEnrollment(d, Attempt(hoursLater: 2), Certificate("cert-2", "key-2"), "ECDSA P-256"))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-token-used", typeof(EnrollmentRefused));

        Assert.Equal(EnrollmentRefusalReasons.TokenUsed, refused.Event<EnrollmentRefused>().Reason);
        Assert.Equal("192.0.2.7", refused.Event<EnrollmentRefused>().From);
        Assert.Single(refused.State.Certificates);
    }

    [Fact]
    public void An_expired_token_is_refused_as_expired()
    {
        DeviceSpec.Given(Registered(), TokenIssued())
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt(hoursLater: 24)))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-token-expired", typeof(EnrollmentRefused));
    }

    [Fact]
    public void A_token_replaced_by_a_newer_one_is_voided()
    {
        const string newer = "1111111111111111111111111111111111111111111111111111111111111111";
        var reissued = DeviceSpec.Given(Registered(), TokenIssued())
            .When(d => DeviceDecider.IssueEnrollmentToken(d, new NewEnrollmentToken(newer, RegisteredAt.AddHours(30)), Actor.Admin(Admin), RegisteredAt.AddHours(6)))
            .Then(typeof(EnrollmentTokenVoided), typeof(EnrollmentTokenIssued));

        var state = reissued.State;
        var old = DeviceDecider.AuthorizeEnrollment(state, Attempt(Token, 7));
        Assert.Equal("enrollment-token-voided", old.Refusal?.Code);
        Assert.Equal(0, old.Events.Aggregate(state, Device.Fold).Enrollment?.WrongAttempts); // a known token is no guess
        Assert.Null(DeviceDecider.AuthorizeEnrollment(state, Attempt(newer, 7)).Refusal);
    }

    [Fact]
    public void A_voided_token_presented_is_refused_as_voided()
    {
        DeviceSpec.Given(Registered(), TokenIssued(), new EnrollmentTokenVoided(Id, "test", Admin, RegisteredAt.AddMinutes(5)))
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt()))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-token-voided", typeof(EnrollmentRefused));
    }

    [Fact]
    public void A_wrong_token_or_another_devices_token_tells_nothing_but_that_it_does_not_match()
    {
        var refused = DeviceSpec.Given(Registered(), TokenIssued())
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt(OtherToken)))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-credentials-invalid", typeof(EnrollmentRefused));

        Assert.Equal(EnrollmentRefusalReasons.TokenWrong, refused.Event<EnrollmentRefused>().Reason);
        Assert.Equal(1, refused.State.Enrollment?.WrongAttempts);
        Assert.DoesNotContain(Token, refused.Decision.Refusal!.Detail);
    }

    [Fact]
    public void The_fifth_wrong_token_voids_the_token_and_then_even_the_right_one_is_refused()
    {
        var wrong = Enumerable.Range(0, DeviceDecider.MaxWrongTokens - 1)
            .Select(i => (object)new EnrollmentRefused(Id, EnrollmentRefusalReasons.TokenWrong, "wrong", "192.0.2.9", RegisteredAt.AddMinutes(i + 1)))
            .ToArray();

        var fifth = DeviceSpec.Given(Registered(), TokenIssued(), wrong)
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt(OtherToken)))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-credentials-invalid", typeof(EnrollmentRefused), typeof(EnrollmentTokenVoided));

        Assert.Equal("monitor:enrollment-attempts", fifth.Event<EnrollmentTokenVoided>().VoidedBy);
        Assert.Equal("enrollment-token-voided", DeviceDecider.AuthorizeEnrollment(fifth.State, Attempt(Token, 2)).Refusal?.Code);
    }

    [Fact]
    public void Every_wrong_try_against_a_live_token_is_recorded_even_within_the_window()
    {
        DeviceSpec.Given(Registered(), TokenIssued(),
                new EnrollmentRefused(Id, EnrollmentRefusalReasons.TokenWrong, "wrong", null, RegisteredAt.AddHours(1).AddMinutes(-1)))
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt(OtherToken)))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-credentials-invalid", typeof(EnrollmentRefused));
    }

    [Fact]
    public void Replays_are_recorded_once_per_window_so_nobody_can_grow_the_stream_without_bound()
    {
        var first = new EnrollmentRefused(Id, EnrollmentRefusalReasons.TokenUsed, "used", null, RegisteredAt.AddHours(2));

        DeviceSpec.Given(Enrolled(), first)
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt(hoursLater: 2.1)))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-token-used");
        DeviceSpec.Given(Enrolled(), first)
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt(hoursLater: 2.2)))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-token-used", typeof(EnrollmentRefused));
    }

    [Fact]
    public void A_suspended_device_with_the_right_token_is_forbidden_and_the_token_stays_unused()
    {
        var refused = DeviceSpec.Given(Registered(), TokenIssued(), new DeviceSuspended(Id, "lost", Admin, RegisteredAt.AddMinutes(30)))
            .When(d => DeviceDecider.CompleteEnrollment(d, Attempt(), Issued, "ECDSA P-256"))
            .ThenRefused(RefusalKind.Forbidden, "device-suspended", typeof(EnrollmentRefused));

        Assert.Equal(EnrollmentTokenState.Live, refused.State.Enrollment?.State);
        Assert.True(refused.State.IsPending());
    }

    [Fact]
    public void A_suspended_device_with_a_wrong_token_learns_nothing_about_its_suspension()
    {
        DeviceSpec.Given(Registered(), TokenIssued(), new DeviceSuspended(Id, "lost", Admin, RegisteredAt.AddMinutes(30)))
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt(OtherToken)))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-credentials-invalid", typeof(EnrollmentRefused));
    }

    [Fact]
    public void A_device_enrolled_by_an_admin_has_no_token_to_enroll_with()
    {
        var enrolled = new DeviceEnrolled(Id, DeviceRole.Sensor, null, Certificate("cert-0", "key-0"), new Dictionary<string, string>(), Admin, RegisteredAt);

        DeviceSpec.Given(enrolled)
            .When(d => DeviceDecider.AuthorizeEnrollment(d, Attempt()))
            .ThenRefused(RefusalKind.Unauthenticated, "enrollment-credentials-invalid", typeof(EnrollmentRefused));
    }

    [Fact]
    public void A_new_token_lets_an_enrolled_device_enroll_a_new_key_beside_its_certificate()
    {
        const string second = "2222222222222222222222222222222222222222222222222222222222222222";
        var spec = DeviceSpec.Given(Enrolled(), TokenIssued(second, RegisteredAt.AddDays(3)))
            .When(d => DeviceDecider.CompleteEnrollment(d, new EnrollmentAttempt(second, null, RegisteredAt.AddDays(3).AddHours(1), Window),
                Certificate("cert-2", "key-2"), "ECDSA P-256"))
            .Then(typeof(EnrollmentCompleted));

        Assert.Equal(["cert-1", "cert-2"], spec.State.Certificates.Select(c => c.Fingerprint));
        Assert.Equal("enrollment-token-used", DeviceDecider.AuthorizeEnrollment(spec.State,
            new EnrollmentAttempt(Token, null, RegisteredAt.AddDays(4), Window)).Refusal?.Code); // the first token, replayed
    }

    [Fact]
    public void A_new_token_keeps_why_it_was_issued_and_a_reason_out_of_bounds_is_refused()
    {
        DeviceSpec.Given(Enrolled())
            .When(d => DeviceDecider.IssueEnrollmentToken(d, new NewEnrollmentToken(OtherToken, RegisteredAt.AddDays(2)), Actor.Admin(Admin),
                RegisteredAt.AddDays(1), "key lost in a reflash"))
            .Then(new EnrollmentTokenIssued(Id, OtherToken, RegisteredAt.AddDays(2), Admin, RegisteredAt.AddDays(1), "key lost in a reflash"));
        DeviceSpec.Given(Enrolled())
            .When(d => DeviceDecider.IssueEnrollmentToken(d, new NewEnrollmentToken(OtherToken, RegisteredAt.AddDays(2)), Actor.Admin(Admin),
                RegisteredAt.AddDays(1), new string('x', 501)))
            .ThenRefused(RefusalKind.Invalid, "invalid-request");
    }

    [Fact]
    public void Issuing_a_token_when_none_is_live_voids_nothing()
    {
        DeviceSpec.Given(Enrolled())
            .When(d => DeviceDecider.IssueEnrollmentToken(d, new NewEnrollmentToken(OtherToken, RegisteredAt.AddDays(2)), Actor.Admin(Admin), RegisteredAt.AddDays(1)))
            .Then(new EnrollmentTokenIssued(Id, OtherToken, RegisteredAt.AddDays(2), Admin, RegisteredAt.AddDays(1)));
    }
}
