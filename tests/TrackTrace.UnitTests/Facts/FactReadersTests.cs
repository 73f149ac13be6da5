using System.Reflection;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Messaging;
using TrackTrace.Api.Shipments.GettingTimeline;
using TrackTrace.Domain.Alerts;
using TrackTrace.Domain.Devices;
using TrackTrace.Domain.Facts;
using TrackTrace.Domain.Shipments;
using TrackTrace.Domain.Stations;

namespace TrackTrace.UnitTests.Facts;

/// <summary>
/// Every fact the Domain defines goes through every reader of its kind of stream: the fold, the
/// timeline or device audit, the contract mapping and the alert rules. A new fact without a case in
/// one of them fails here (each reader throws <see cref="UnknownFactException"/> rather than skipping it).
/// </summary>
public sealed class FactReadersTests
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly Type[] AllFacts = typeof(IShipmentFact).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } &&
                    new[] { typeof(IShipmentFact), typeof(IDeviceFact), typeof(IAlertFact), typeof(IStationFact) }.Any(m => m.IsAssignableFrom(t)))
        .ToArray();

    public static TheoryData<Type> Of<TMarker>() => new(AllFacts.Where(t => typeof(TMarker).IsAssignableFrom(t)));

    public static TheoryData<Type> ShipmentFacts => Of<IShipmentFact>();
    public static TheoryData<Type> DeviceFacts => Of<IDeviceFact>();
    public static TheoryData<Type> AlertFacts => Of<IAlertFact>();
    public static TheoryData<Type> StationFacts => Of<IStationFact>();

    [Theory]
    [MemberData(nameof(ShipmentFacts))]
    public void Every_shipment_fact_is_folded_told_on_the_timeline_mapped_for_the_bus_and_judged_for_alerts(Type type)
    {
        var fact = (IShipmentFact)Sample(type);
        var registered = (ShipmentRegistered)Sample(typeof(ShipmentRegistered));

        var state = fact is ShipmentRegistered ? Shipment.Fold(null, fact) : Shipment.Fold(Shipment.Create(registered), fact);
        Assert.Equal(fact is ShipmentRegistered ? 1 : 2, state.Version);
        Assert.NotEmpty(GetTimelineEndpoint.Describe(fact).Summary);
        _ = ContractMapping.ToMessages(Guid.NewGuid(), fact);
        var alert = AlertRules.For(fact, "alert-1", At);
        Assert.Equal(AlertRules.Alerting.Contains(type), alert is not null);
    }

    [Theory]
    [MemberData(nameof(DeviceFacts))]
    public void Every_device_fact_is_folded_audited_and_mapped_for_the_bus(Type type)
    {
        var fact = (IDeviceFact)Sample(type);
        var enrolled = Device.Enrolled((DeviceEnrolled)Sample(typeof(DeviceEnrolled)));

        _ = fact is DeviceEnrolled ? Device.Fold(null, fact) : Device.Fold(enrolled, fact);
        var (name, _, at, _) = GetDeviceEndpoints.Describe(fact);
        Assert.NotEmpty(name);
        Assert.Equal(At, at);
        _ = ContractMapping.ToMessages(Guid.NewGuid(), fact);
    }

    [Theory]
    [MemberData(nameof(AlertFacts))]
    public void Every_alert_fact_is_folded_and_mapped_for_the_bus(Type type)
    {
        var fact = Sample(type);
        var raised = Alert.Raised((AlertRaised)Sample(typeof(AlertRaised)));

        _ = fact is AlertRaised ? Alert.Fold(null, fact) : Alert.Fold(raised, fact);
        _ = ContractMapping.ToMessages(Guid.NewGuid(), fact);
    }

    [Theory]
    [MemberData(nameof(StationFacts))]
    public void Every_station_fact_is_folded_and_mapped_for_the_bus(Type type)
    {
        var fact = Sample(type);

        _ = Station.Fold(null, fact);
        _ = ContractMapping.ToMessages(Guid.NewGuid(), fact);
    }

    [Fact]
    public void A_fact_no_reader_knows_is_refused_by_every_reader_instead_of_being_skipped()
    {
        var unknown = new SomethingNew("ACME-1");
        var state = Shipment.Create((ShipmentRegistered)Sample(typeof(ShipmentRegistered)));

        Assert.Throws<UnknownFactException>(() => Shipment.Fold(state, unknown));
        Assert.Throws<UnknownFactException>(() => GetTimelineEndpoint.Describe(unknown));
        Assert.Throws<UnknownFactException>(() => ContractMapping.ToMessages(Guid.NewGuid(), unknown));
        Assert.Throws<UnknownFactException>(() => AlertRules.For(unknown, "alert-1", At));
    }

    [Fact]
    public void Every_record_that_looks_like_a_fact_belongs_to_a_kind_of_stream()
    {
        // A fact names its aggregate and when it happened; one that forgot its marker would escape the readers above.
        var looksLikeFacts = typeof(IShipmentFact).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsSealed: true } && t.Namespace?.StartsWith("TrackTrace.Domain", StringComparison.Ordinal) == true)
            .Where(t => t.GetProperties().Any(p => p.Name is "ShipmentId" or "DeviceId" or "AlertId" or "StationId") &&
                        t.GetProperties().Any(p => p.PropertyType == typeof(DateTimeOffset) && p.Name.EndsWith("At", StringComparison.Ordinal)) &&
                        t.GetMethod("<Clone>$") is not null)
            .Where(t => t.Name is not (nameof(Shipment) or nameof(Device) or nameof(Alert) or nameof(Station)));

        // Commands look alike (an id and a time) but are never stored; a new one goes into this list.
        Type[] commands = [typeof(RegisterShipment), typeof(CheckInShipment), typeof(EnrollDevice), typeof(RegisterDevice)];
        Assert.Empty(looksLikeFacts.Except(AllFacts).Except(commands).Select(t => t.FullName));
    }

    [Fact]
    public void There_are_facts_of_every_kind() =>
        Assert.All(new[] { ShipmentFacts, DeviceFacts, AlertFacts, StationFacts }, kind => Assert.NotEmpty(kind));

    private sealed record SomethingNew(string ShipmentId) : IShipmentFact;

    /// <summary>An instance of a fact with plausible values for every constructor parameter.</summary>
    private static object Sample(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return constructor.Invoke(constructor.GetParameters().Select(p => Value(p.ParameterType, p.Name!)).ToArray());
    }

    private static object? Value(Type type, string name)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            return name.EndsWith("Id", StringComparison.Ordinal) ? "ACME-1" : name;
        }

        if (underlying == typeof(DateTimeOffset))
        {
            return At;
        }

        if (underlying == typeof(Guid))
        {
            return Guid.Parse("0195a3c0-0000-7000-8000-000000004711");
        }

        if (underlying == typeof(double))
        {
            return 4.5;
        }

        if (underlying == typeof(int) || underlying == typeof(long))
        {
            return Convert.ChangeType(1, underlying);
        }

        if (underlying == typeof(bool))
        {
            return false;
        }

        if (underlying.IsEnum)
        {
            return Enum.GetValues(underlying).GetValue(0);
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            return Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(underlying.GetGenericArguments()));
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            return Array.CreateInstance(underlying.GetGenericArguments()[0], 0);
        }

        if (underlying.IsClass && underlying.GetConstructors().Length > 0)
        {
            return Sample(underlying);
        }

        throw new InvalidOperationException($"no sample value for {type.Name} {name}; teach Value() about it");
    }
}
