using JasperFx.Events;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Messaging;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Facts;

namespace TrackTrace.IntegrationTests.Enrollment;

/// <summary>
/// Every device fact has its case in every reader (the fold, the device audit, the contract
/// mapping), which throw for a fact they do not know: a fact added without them fails here, not in
/// production. Pure; it lives here because the readers are in the Api.
/// </summary>
public sealed class DeviceFactReadersTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DeviceCertificateInfo Certificate = new("ab12", "CN=d-1", "CN=Issuing", At, At.AddDays(30), "k1");

    /// <summary>One of each device fact, in an order a stream could have them.</summary>
    private static readonly object[] Stream =
    [
        new DeviceRegistered("d-1", DeviceRole.Scanner, "S-1", new Dictionary<string, string>(), "admin", At),
        new EnrollmentTokenIssued("d-1", "hash", At.AddHours(24), "admin", At),
        new EnrollmentRefused("d-1", EnrollmentRefusalReasons.TokenWrong, "wrong", "192.0.2.1", At.AddMinutes(1)),
        new EnrollmentTokenVoided("d-1", "replaced", "admin", At.AddMinutes(2)),
        new EnrollmentTokenIssued("d-1", "hash2", At.AddHours(24), "admin", At.AddMinutes(2)),
        new EnrollmentCompleted("d-1", Certificate, "ECDSA P-256", "device:d-1", At.AddMinutes(3)),
        new DeviceCertificateRenewed("d-1", Certificate with { Fingerprint = "cd34", PublicKeySha256 = "k2" }, "ECDSA P-256", "ab12",
            At.AddDays(21), "device:d-1", At.AddDays(20)),
        new DeviceCertificateRetired("d-1", "ab12", "renewed", "device:d-1", At.AddDays(20), "cd34"),
        new DeviceCertificateBound("d-1", Certificate with { Fingerprint = "ef56" }, "admin", At.AddDays(20)),
        new DeviceAttributesChanged("d-1", new Dictionary<string, string>(), new Dictionary<string, string> { ["epoch"] = "7" }, "admin", "epoch", At.AddDays(20)),
        new DeviceSuspended("d-1", "clone", "monitor:retired-certificate-reused", At.AddDays(20)),
        new DeviceResumed("d-1", "found", "admin", At.AddDays(21)),
    ];

    [Fact]
    public void The_list_holds_every_device_fact_type()
    {
        var all = typeof(IDeviceFact).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IDeviceFact).IsAssignableFrom(t));

        Assert.Equal(all.Select(t => t.Name).Order(), Stream.Select(f => f.GetType().Name).Append(nameof(DeviceEnrolled)).Distinct().Order());
    }

    [Fact]
    public void Every_device_fact_folds()
    {
        var device = Stream.Aggregate((Device?)null, Device.Fold)!;
        Assert.Equal(DeviceStatus.Active, device.Status);
        var enrolled = Device.Fold(null, new DeviceEnrolled("d-2", DeviceRole.Sensor, null, Certificate, new Dictionary<string, string>(), "admin", At));
        Assert.Equal("d-2", enrolled.DeviceId);
    }

    [Fact]
    public void Every_device_fact_has_an_audit_entry_without_token_hashes()
    {
        var version = 0;
        foreach (var fact in Stream.Append(new DeviceEnrolled("d-1", DeviceRole.Sensor, null, Certificate, new Dictionary<string, string>(), "admin", At)))
        {
            var entry = GetDeviceEndpoints.AuditEntry(Event(fact, ++version));
            Assert.False(string.IsNullOrEmpty(entry.Fact));
            Assert.DoesNotContain("hash", System.Text.Json.JsonSerializer.Serialize(entry.Details));
        }
    }

    [Fact]
    public void Every_device_fact_is_mapped_to_its_messages_or_to_none_explicitly()
    {
        foreach (var fact in Stream)
        {
            var messages = ContractMapping.ToMessages(Guid.NewGuid(), fact);
            Assert.Equal(fact is DeviceSuspended or DeviceResumed, messages.Count > 0);
        }
    }

    private static IEvent Event(object fact, int version)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(fact.GetType()), fact)!;
        e.Version = version;
        return e;
    }
}
