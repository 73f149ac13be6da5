using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using TrackTrace.Contracts.V1;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>
/// SuspendDevice on RabbitMQ is trusted less than an admin: only from the configured sender (the
/// broker vouches for a message's user_id), with a bounded reason, never against an admin device,
/// and audited as coming from the bus. Commands are taken one at a time in order, so a command sent
/// after a refused one proves the refused one was seen.
/// </summary>
public sealed class BusCommandTests(BusCommandTests.OneSender setup) : IClassFixture<BusCommandTests.OneSender>
{
    public sealed class OneSender : ServiceFixture
    {
        /// <summary>The broker user the tests connect as; the only configured sender.</summary>
        public string User => Uri.UnescapeDataString(Broker.UserInfo.Split(':')[0]);

        protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
        {
            ["Devices:BusSenders:0"] = Uri.UnescapeDataString(TestEnvironment.BrokerUri.Result.UserInfo.Split(':')[0]),
        };

        public async Task SendAsync(SuspendDevice command, string? userId)
        {
            var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(Broker));
            await bus.StartAsync();
            try
            {
                var queue = await bus.GetSendEndpoint(new Uri("queue:suspend-device"));
                await queue.Send(command, context =>
                {
                    if (userId is not null && context.TryGetPayload(out RabbitMqSendContext? rabbit))
                    {
                        rabbit.BasicProperties.UserId = userId;
                    }
                });
            }
            finally
            {
                await bus.StopAsync();
            }
        }

        public async Task<string> EnrollSensorAsync()
        {
            var deviceId = NewId("sensor").ToLowerInvariant();
            await Api.EnrollAsync("sensor", deviceId: deviceId);
            return deviceId;
        }

        public async Task<JsonElement> DeviceAsync(string deviceId) =>
            await Expect(await Admin.GetAsync($"/api/devices/{deviceId}"), HttpStatusCode.OK);

        /// <summary>Sends a valid suspension of a fresh sensor after whatever was sent before and waits for it.</summary>
        public async Task AfterEverythingSentBeforeAsync()
        {
            var marker = await EnrollSensorAsync();
            await SendAsync(new SuspendDevice(Guid.NewGuid(), marker, "marker", "monitoring"), User);
            await Eventually(async () => (await DeviceAsync(marker)).GetProperty("status").GetString() == "suspended",
                what: "the marker command to be applied");
        }
    }

    [Fact]
    public async Task A_command_from_the_configured_sender_suspends_and_is_audited_as_from_the_bus_and_that_sender()
    {
        var deviceId = await setup.EnrollSensorAsync();
        await setup.SendAsync(new SuspendDevice(Guid.NewGuid(), deviceId, "tamper alarm", "monitoring"), setup.User);

        await ServiceFixture.Eventually(async () => (await setup.DeviceAsync(deviceId)).GetProperty("status").GetString() == "suspended",
            what: "the bus command to suspend the sensor");
        var audit = await ServiceFixture.Expect(await setup.Admin.GetAsync($"/api/devices/{deviceId}/audit"), HttpStatusCode.OK);
        var suspended = audit.EnumerateArray().Last();
        Assert.Equal($"bus:{setup.User}/monitoring", suspended.GetProperty("by").GetString());
        Assert.Equal("tamper alarm", suspended.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_command_without_a_broker_vouched_sender_changes_nothing()
    {
        var deviceId = await setup.EnrollSensorAsync();
        await setup.SendAsync(new SuspendDevice(Guid.NewGuid(), deviceId, "tamper alarm", "monitoring"), userId: null);
        await setup.AfterEverythingSentBeforeAsync();

        Assert.Equal("active", (await setup.DeviceAsync(deviceId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_admin_device_cannot_be_suspended_from_the_bus()
    {
        await setup.SendAsync(new SuspendDevice(Guid.NewGuid(), "admin", "lock everyone out", "monitoring"), setup.User);
        await setup.AfterEverythingSentBeforeAsync();

        Assert.Equal("active", (await setup.DeviceAsync("admin")).GetProperty("status").GetString());
        await ServiceFixture.Expect(await setup.Admin.GetAsync("/api/devices"), HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(501, "monitoring")]
    [InlineData(0, "monitoring")]
    [InlineData(10, "")]
    public async Task A_command_with_an_unbounded_or_missing_reason_or_sender_name_changes_nothing(int reasonLength, string requestedBy)
    {
        var deviceId = await setup.EnrollSensorAsync();
        await setup.SendAsync(new SuspendDevice(Guid.NewGuid(), deviceId, new string('x', reasonLength), requestedBy), setup.User);
        await setup.AfterEverythingSentBeforeAsync();

        Assert.Equal("active", (await setup.DeviceAsync(deviceId)).GetProperty("status").GetString());
    }
}
