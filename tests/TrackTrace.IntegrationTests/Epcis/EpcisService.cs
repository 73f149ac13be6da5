using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Epcis;

/// <summary>A service with small capture limits, a scanner that captures and a staff device that queries.</summary>
public class EpcisService : ServiceFixture
{
    public const int CaptureLimit = 25;
    public const int FileSizeLimit = 200_000;

    public HttpClient Scanner { get; private set; } = null!;
    public HttpClient Staff { get; private set; } = null!;

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Epcis:CaptureLimit"] = CaptureLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Epcis:CaptureFileSizeLimit"] = FileSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Epcis:CapturePollInterval"] = "00:00:00.200",
        ["Epcis:CaptureLease"] = "00:00:05",
        // Documents of one or two events are stored while the request waits; larger ones go through the workers.
        ["Epcis:InlineCaptureLimit"] = "2",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Scanner = Service.Client(await Api.EnrollAsync("scanner", await Api.RegisterStationAsync("factory")));
        Staff = Service.Client(await Api.EnrollAsync("staff"));
    }

    public static string Document(string kind, string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "epcis-documents", kind, name));

    public static StringContent Json(string body, string mediaType = "application/ld+json") =>
        new(body, Encoding.UTF8, mediaType);

    public static Task<HttpResponseMessage> CaptureAsync(HttpClient client, string document, string? behaviour = null, string mediaType = "application/ld+json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/epcis/capture") { Content = Json(document, mediaType) };
        if (behaviour is not null)
        {
            request.Headers.Add("GS1-Capture-Error-Behaviour", behaviour);
        }

        return client.SendAsync(request);
    }

    /// <summary>Captures and waits for the job to finish; returns the finished job.</summary>
    public async Task<JsonElement> CaptureAndWaitAsync(string document, string? behaviour = null, HttpClient? client = null)
    {
        client ??= Scanner;
        var response = await CaptureAsync(client, document, behaviour);
        await Expect(response, HttpStatusCode.Accepted);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/epcis/capture/", location);
        return await JobAsync(client, location);
    }

    public static Task<JsonElement> JobAsync(HttpClient client, string location) =>
        Eventually(async () =>
        {
            var job = await Expect(await client.GetAsync(location), HttpStatusCode.OK);
            return job.GetProperty("running").GetBoolean() ? (JsonElement?)null : job;
        }, TimeSpan.FromSeconds(60), $"capture job {location} to finish").ContinueWith(t => t.Result!.Value);

    public async Task<(JsonObject Document, HttpResponseMessage Response)> QueryAsync(string pathAndQuery)
    {
        var response = await Staff.GetAsync(pathAndQuery);
        var body = await Expect(response, HttpStatusCode.OK);
        return (JsonNode.Parse(body.GetRawText())!.AsObject(), response);
    }

    public async Task<JsonArray> EventsAsync(string pathAndQuery) =>
        (await QueryAsync(pathAndQuery)).Document["epcisBody"]!["queryResults"]!["resultsBody"]!["eventList"]!.AsArray();

    public static string Q(string value) => Uri.EscapeDataString(value);
}
