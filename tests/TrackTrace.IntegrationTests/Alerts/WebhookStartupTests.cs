using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using TrackTrace.Api.Alerts;
using TrackTrace.Api.Hosting;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Alerts;

/// <summary>A webhook that could not be trusted stops the service at start-up, naming the webhook and what is wrong.</summary>
public sealed class WebhookStartupTests
{
    private const string GoodSecret = "0123456789abcdef-shared";

    public static TheoryData<string, string, string, string> Refused => new()
    {
        { "pager", "https://alerts.example.com/hook", "", "Secret is empty" },
        { "pager", "https://alerts.example.com/hook", "too-short", "at least 16" },
        { "pager", "/hook", GoodSecret, "not an absolute http(s) URL" },
        { "pager", "ftp://alerts.example.com/hook", GoodSecret, "not an absolute http(s) URL" },
        { "pager", "http://alerts.example.com/hook", GoodSecret, "plain http to a host that is not loopback" },
        { "pager", "http://10.0.0.8:8080/hook", GoodSecret, "plain http to a host that is not loopback" },
        { "", "https://alerts.example.com/hook", GoodSecret, "Name is required" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_webhook_that_cannot_be_trusted_stops_the_service(string name, string url, string secret, string why)
    {
        var error = Assert.Throws<WebhookConfigurationException>(() => Build(new()
        {
            ["Alerts:Webhooks:0:Name"] = name,
            ["Alerts:Webhooks:0:Url"] = url,
            ["Alerts:Webhooks:0:Secret"] = secret,
        }));
        Assert.Contains("Alerts:Webhooks:0", error.Message);
        if (name.Length > 0)
        {
            Assert.Contains($"'{name}'", error.Message);
        }

        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void Each_bad_webhook_is_named_and_unknown_alert_types_and_a_reused_name_are_refused_too()
    {
        var error = Assert.Throws<WebhookConfigurationException>(() => Build(new()
        {
            ["Alerts:Webhooks:0:Name"] = "pager",
            ["Alerts:Webhooks:0:Url"] = "https://alerts.example.com/hook",
            ["Alerts:Webhooks:0:Secret"] = GoodSecret,
            ["Alerts:Webhooks:0:Types:0"] = "fire",
            ["Alerts:Webhooks:1:Name"] = "pager",
            ["Alerts:Webhooks:1:Url"] = "https://other.example.com/hook",
            ["Alerts:Webhooks:1:Secret"] = GoodSecret,
        }));
        Assert.Contains("Alerts:Webhooks:0 ('pager'): Types names 'fire'", error.Message);
        Assert.Contains("out-of-sequence", error.Message);
        Assert.Contains("Alerts:Webhooks:1 ('pager'): Name is used by another webhook", error.Message);
    }

    [Theory]
    [InlineData("https://alerts.example.com/hook")]
    [InlineData("http://127.0.0.1:9000/hook")]
    [InlineData("http://localhost:9000/hook")]
    [InlineData("http://[::1]:9000/hook")]
    public async Task Https_anywhere_and_http_to_loopback_are_accepted(string url)
    {
        await using var app = Build(new()
        {
            ["Alerts:Webhooks:0:Name"] = "pager",
            ["Alerts:Webhooks:0:Url"] = url,
            ["Alerts:Webhooks:0:Secret"] = GoodSecret,
            ["Alerts:Webhooks:0:Types:0"] = "cold-chain-breach",
        });
        Assert.NotNull(app);
    }

    [Fact]
    public async Task The_service_process_does_not_start_and_says_which_webhook_is_wrong()
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "TrackTrace.Api.dll"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody";
        start.Environment["Api__ServerCertificate"] = TestPki.Instance.ServerCertificatePath;
        start.Environment["Api__ServerKey"] = TestPki.Instance.ServerKeyPath;
        start.Environment["Api__ClientCertificateAuthorities__0"] = TestPki.Instance.CaPath;
        start.Environment["Api__HttpsPort"] = PrivateRabbitMq.FreePort().ToString();
        start.Environment["Api__HealthPort"] = PrivateRabbitMq.FreePort().ToString();
        start.Environment["Api__EnrollmentPort"] = PrivateRabbitMq.FreePort().ToString();
        start.Environment["Alerts__Webhooks__0__Name"] = "pager";
        start.Environment["Alerts__Webhooks__0__Url"] = "http://alerts.example.com/hook";
        start.Environment["Alerts__Webhooks__0__Secret"] = "short";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the service started despite the webhook: {await stdout}");
        }

        var said = await stderr;
        Assert.True(process.ExitCode == 1, $"exit code {process.ExitCode}: {said} {await stdout}");
        Assert.Contains("TrackTrace did not start: the alert webhooks are not valid.", said);
        Assert.Contains("Alerts:Webhooks:0 ('pager'): Url 'http://alerts.example.com/hook' is plain http", said);
        Assert.Contains("Secret has 5 characters; at least 16", said);
    }

    private static Microsoft.AspNetCore.Builder.WebApplication Build(Dictionary<string, string?> webhooks)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody",
            ["Api:ServerCertificate"] = TestPki.Instance.ServerCertificatePath,
            ["Api:ServerKey"] = TestPki.Instance.ServerKeyPath,
            ["Api:ClientCertificateAuthorities:0"] = TestPki.Instance.CaPath,
            ["RabbitMq:Uri"] = "amqp://nobody:unused@127.0.0.1:1/",
        };
        foreach (var (key, value) in webhooks)
        {
            settings[key] = value;
        }

        return TrackTraceApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
    }
}
