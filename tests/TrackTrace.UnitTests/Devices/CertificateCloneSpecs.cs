using System.Net;
using TrackTrace.Domain.Devices;

namespace TrackTrace.UnitTests.Devices;

/// <summary>
/// When one certificate's use from two addresses means two holders of its key: the spells overlap
/// (each address used while the other was in use), not one after the other as when an address changes.
/// </summary>
public sealed class CertificateCloneSpecs
{
    private static readonly DateTimeOffset T = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static AddressSpell Spell(string address, int fromSeconds, int toSeconds) =>
        new(IPAddress.Parse(address), T.AddSeconds(fromSeconds), T.AddSeconds(toSeconds));

    [Fact]
    public void Two_addresses_each_used_while_the_other_was_in_use_are_a_clone()
    {
        // The original keeps scanning at the dock; the copy works from elsewhere in between.
        Assert.True(CertificateClones.InUseTogether(Spell("10.1.0.7", 0, 30), Spell("203.0.113.9", 12, 12), null));
        Assert.True(CertificateClones.InUseTogether(Spell("203.0.113.9", 12, 12), Spell("10.1.0.7", 0, 30), null));
        Assert.True(CertificateClones.InUseTogether(Spell("10.1.0.7", 0, 10), Spell("203.0.113.9", 10, 40), null));
    }

    [Fact]
    public void An_address_that_takes_over_from_another_is_a_device_that_moved()
    {
        // DHCP gave the scanner a new address two seconds after its last request from the old one.
        Assert.False(CertificateClones.InUseTogether(Spell("10.1.0.7", 0, 30), Spell("10.1.0.99", 32, 90), null));
        Assert.False(CertificateClones.InUseTogether(Spell("10.1.0.99", 32, 90), Spell("10.1.0.7", 0, 30), null));
    }

    [Fact]
    public void Uses_before_the_device_was_last_resumed_do_not_count()
    {
        var resumedAt = T.AddSeconds(60);
        Assert.False(CertificateClones.InUseTogether(Spell("10.1.0.7", 0, 120), Spell("203.0.113.9", 10, 50), resumedAt));
        // The copy at work again after the resume is a clone again.
        Assert.True(CertificateClones.InUseTogether(Spell("10.1.0.7", 0, 120), Spell("203.0.113.9", 10, 90), resumedAt));
        // Overlapping only before the resume: the original's spell went on, the copy's did not reach past it.
        Assert.False(CertificateClones.InUseTogether(Spell("10.1.0.7", 70, 120), Spell("203.0.113.9", 10, 65), resumedAt));
    }

    [Theory]
    [InlineData("10.1.0.7", "10.1.0.7")]
    [InlineData("10.1.0.7", "::ffff:10.1.0.7")]
    [InlineData("2001:db8:7:1::aa", "2001:db8:7:1:9c3e:11ff:fe00:1")] // RFC 8981 temporary addresses of one host
    public void Addresses_of_one_source_are_never_two_holders(string a, string b) =>
        Assert.False(CertificateClones.InUseTogether(Spell(a, 0, 30), Spell(b, 10, 20), null));

    [Theory]
    [InlineData("10.1.0.7", "10.1.0.8")]
    [InlineData("2001:db8:7:1::aa", "2001:db8:7:2::aa")]
    [InlineData("10.1.0.7", "2001:db8:7:2::aa")]
    public void Addresses_of_two_sources_are(string a, string b) =>
        Assert.True(CertificateClones.InUseTogether(Spell(a, 0, 30), Spell(b, 10, 20), null));

    [Fact]
    public void The_suspension_reason_names_the_rule_and_both_addresses_within_the_audit_bound()
    {
        var reason = CertificateClones.Reason(Spell("2001:db8:7:1:9c3e:11ff:fe00:1", 0, 30),
            Spell("2001:db8:7:2:9c3e:11ff:fe00:2", 10, 20), TimeSpan.FromMinutes(1));
        Assert.StartsWith("certificate-clone:", reason);
        Assert.Contains("2001:db8:7:1:9c3e:11ff:fe00:1", reason);
        Assert.Contains("2001:db8:7:2:9c3e:11ff:fe00:2", reason);
        Assert.True(TrackTrace.Domain.Decisions.Reason.IsValid(reason));
    }
}
