using TrackTrace.Domain.Devices;

namespace TrackTrace.UnitTests.Cli;

public sealed class DeviceIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("7")]
    [InlineData("scanner-17")]
    [InlineData("Dock.Door_4-B")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123")] // 64 characters
    public void Accepts_ids_that_are_safe_as_a_CN_and_a_file_name(string deviceId) =>
        Assert.True(DeviceId.IsValid(deviceId));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-x")]
    [InlineData("_x")]
    [InlineData("x\n")]
    [InlineData("x/y")]
    [InlineData("x\\y")]
    [InlineData("x y")]
    [InlineData("x:y")]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901234")] // 65 characters
    public void Refuses_anything_else(string? deviceId)
    {
        Assert.False(DeviceId.IsValid(deviceId));
        Assert.Throws<ArgumentException>(() => DeviceId.EnsureValid(deviceId));
    }
}
