using TrackTrace.Api.Hosting;
using TrackTrace.Api.Monitoring;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.UnitTests.Monitoring;

/// <summary>Monitoring settings that cannot work stop the service at start-up, each problem naming its key.</summary>
public sealed class MonitoringOptionsTests
{
    private static readonly string[] StationTypes = ["factory", "truck", "port", "airport", "rail", "customs", "destination"];

    [Fact]
    public void The_defaults_are_accepted_and_every_rule_is_on()
    {
        var options = new MonitoringOptions();

        Assert.Empty(options.Problems(StationTypes));
        Assert.All(MonitorRules.All, rule => Assert.True(options.IsOn(rule)));
        Assert.Equal(1000, options.Travel()!.MaxKmhLeaving("airport"));
        Assert.Equal(120, options.Travel()!.MaxKmhLeaving("customs"));
    }

    [Fact]
    public void A_rule_switched_off_is_off_and_the_rules_that_read_sightings_are_off_without_them()
    {
        var options = new MonitoringOptions { Monitoring = { [MonitorRules.ImpossibleTravel] = false }, Sightings = false };

        Assert.Null(options.Travel());
        Assert.False(options.IsOn(MonitorRules.CertificateClone));
        Assert.False(options.IsOn(MonitorRules.OutsideNetwork));
        Assert.True(options.IsOn(MonitorRules.ScanRate));
    }

    [Fact]
    public void Each_problem_names_its_key()
    {
        var options = new MonitoringOptions
        {
            Monitoring = { ["clones"] = false },
            SightingsFlushInterval = TimeSpan.Zero,
            CloneWindow = TimeSpan.FromSeconds(-1),
            MaxScansPerMinute = 0,
            MaxSpeedKmh = { ["hovercraft"] = 80, ["truck"] = 0 },
            TravelSlackKm = double.NaN,
        };

        var problems = string.Join("\n", options.Problems(StationTypes));

        foreach (var key in new[]
                 {
                     "Devices:Monitoring:clones", "Devices:SightingsFlushInterval", "Devices:CloneWindow", "Devices:MaxScansPerMinute",
                     "Devices:MaxSpeedKmh:hovercraft", "Devices:MaxSpeedKmh:truck", "Devices:TravelSlackKm",
                 })
        {
            Assert.Contains(key, problems);
        }
    }

    [Fact]
    public void Trusted_proxies_are_addresses_or_cidrs_and_a_bad_one_is_named()
    {
        var trusted = TrustedProxies.From(new ProxyProtocolOptions { TrustedProxies = ["127.0.0.1", "10.0.0.0/24", "2001:db8::/64"] });
        Assert.True(trusted.Contains(System.Net.IPAddress.Parse("10.0.0.77")));
        Assert.True(trusted.Contains(System.Net.IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(trusted.Contains(System.Net.IPAddress.Parse("127.0.0.2")));
        Assert.True(TrustedProxies.From(new ProxyProtocolOptions()).IsEmpty);

        var error = Assert.Throws<InvalidSettingException>(() =>
            TrustedProxies.From(new ProxyProtocolOptions { TrustedProxies = ["10.0.0.5", "10.0.0.1/24"], HeaderTimeout = TimeSpan.Zero }));
        Assert.Contains("Api:ProxyProtocol:TrustedProxies:1: '10.0.0.1/24'", error.Message);
        Assert.Contains("Api:ProxyProtocol:HeaderTimeout", error.Message);
    }
}
