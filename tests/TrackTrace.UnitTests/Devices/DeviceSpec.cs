using TrackTrace.Domain.Decisions;
using TrackTrace.Domain.Devices;

namespace TrackTrace.UnitTests.Devices;

/// <summary>
/// Given the facts on a device's stream, When a rule decides, Then these facts (or this refusal,
/// with what it records). Pure: no database, no clock but the times in the facts.
/// </summary>
internal sealed class DeviceSpec
{
    private readonly IReadOnlyList<object> _given;

    private DeviceSpec(IReadOnlyList<object> given) => _given = given;

    public static DeviceSpec Given(params object[] facts) => new(facts.SelectMany(f => f is object[] many ? many : [f]).ToArray());

    public Device State => _given.Aggregate((Device?)null, Device.Fold)!;

    public DeviceDecided When(Func<Device, Decision> decide)
    {
        var state = State;
        return new DeviceDecided(state, decide(state));
    }
}

internal sealed class DeviceDecided(Device before, Decision decision)
{
    public Decision Decision { get; } = decision;

    public Device State => Decision.Events.Aggregate(before, Device.Fold);

    /// <summary>Accepted, with these facts in order (a type checks only the type, a value compares by value).</summary>
    public DeviceDecided Then(params object[] expected)
    {
        Assert.Null(Decision.Refusal);
        return Recorded(expected);
    }

    /// <summary>Refused with <paramref name="code"/>, recording these facts.</summary>
    public DeviceDecided ThenRefused(RefusalKind kind, string code, params object[] recorded)
    {
        Assert.NotNull(Decision.Refusal);
        Assert.Equal((kind, code), (Decision.Refusal.Kind, Decision.Refusal.Code));
        return Recorded(recorded);
    }

    public TEvent Event<TEvent>() => Assert.IsType<TEvent>(Assert.Single(Decision.Events, e => e is TEvent));

    private DeviceDecided Recorded(object[] expected)
    {
        Assert.Equal(expected.Length, Decision.Events.Count);
        foreach (var (want, got) in expected.Zip(Decision.Events))
        {
            if (want is Type type)
            {
                Assert.IsType(type, got);
            }
            else
            {
                Assert.Equal(want, got);
            }
        }

        return this;
    }
}

/// <summary>A scanner's stream in the stories of the enrollment and renewal specs.</summary>
internal static class Scanner7
{
    public const string Id = "scanner-7";
    public const string Admin = "admin-1";
    public const string Token = "d3f1a9c0e8b74b2a91f0c6d5e4b3a29187f6e5d4c3b2a1908f7e6d5c4b3a2918"; // a token's SHA-256
    public const string OtherToken = "0000000000000000000000000000000000000000000000000000000000000000";
    public static readonly DateTimeOffset RegisteredAt = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    public static DeviceRegistered Registered() =>
        new(Id, DeviceRole.Scanner, "NLRTM-DOCK-3", new Dictionary<string, string>(), Admin, RegisteredAt);

    public static EnrollmentTokenIssued TokenIssued(string hash = Token, DateTimeOffset? at = null) =>
        new(Id, hash, (at ?? RegisteredAt).AddHours(24), Admin, at ?? RegisteredAt);

    public static DeviceCertificateInfo Certificate(string fingerprint, string key, DateTimeOffset? from = null) =>
        new(fingerprint, "CN=" + Id, "CN=TrackTrace Issuing CA", from ?? RegisteredAt, (from ?? RegisteredAt).AddDays(30), key);

    public static EnrollmentAttempt Attempt(string presented = Token, double hoursLater = 1) =>
        new(presented, "192.0.2.7", RegisteredAt.AddHours(hoursLater), Window);

    public static EnrollmentCompleted Completed(string fingerprint = "cert-1", string key = "key-1", double hoursLater = 1) =>
        new(Id, Certificate(fingerprint, key, RegisteredAt.AddHours(hoursLater)), "ECDSA P-256", "device:" + Id, RegisteredAt.AddHours(hoursLater));

    /// <summary>Registered, its token issued, enrolled with it one hour later with certificate cert-1 (key key-1).</summary>
    public static object[] Enrolled() => [Registered(), TokenIssued(), Completed()];
}
