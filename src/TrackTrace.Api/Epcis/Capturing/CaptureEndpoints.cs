using System.Security.Claims;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Epcis.CheckingIn;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Epcis;

namespace TrackTrace.Api.Epcis.Capturing;

/// <summary>OPTIONS/POST /epcis/capture and the capture jobs (EPCIS 2.0 REST binding).</summary>
public static class CaptureEndpoints
{
    public static void MapCapture(this RouteGroupBuilder epcis)
    {
        epcis.MapMethods("/capture", [HttpMethods.Options], Discover).RequireAuthorization(Roles.EpcisCaptureStatus)
            .WithSummary("Capture limits and versions (GS1-EPCIS-Capture-Limit, GS1-EPCIS-Capture-File-Size-Limit)");
        epcis.MapPost("/capture", Capture).RequireAuthorization(Roles.EpcisCapture)
            .Accepts<object>(EpcisRequest.MediaTypes[0], EpcisRequest.MediaTypes[1..])
            .AcceptsContentTypes(EpcisRequest.MediaTypes)
            .WithSummary("Capture an EPCISDocument: 202 and a capture job at Location (scanner, sensor, admin)");
        epcis.MapGet("/capture", List).RequireAuthorization(Roles.EpcisCaptureStatus)
            .WithSummary("The newest capture jobs: a device's own, all for staff");
        epcis.MapGet("/capture/{captureId}", Find).RequireAuthorization(Roles.EpcisCaptureStatus)
            .WithSummary("A capture job: running, success, captureErrorBehaviour, errors, and what happened to each event");
    }

    private static IResult Discover(HttpContext http, IOptions<EpcisOptions> options)
    {
        EpcisRequest.AddLimitHeaders(http.Response, options.Value);
        http.Response.Headers[EpcisRequest.ErrorBehaviourHeader] = "all";
        http.Response.Headers.Allow = "OPTIONS, POST, GET";
        return Results.NoContent();
    }

    private static async Task<IResult> Capture(
        HttpContext http, IOptions<EpcisOptions> options, CaptureJobs jobs, CaptureProcessor processor, CaptureSignal signal,
        CaptureAuthority authority, TimeProvider clock, CancellationToken ct)
    {
        bool rollback;
        switch (http.Request.Headers[EpcisRequest.ErrorBehaviourHeader].ToString().ToLowerInvariant())
        {
            case "" or CaptureJobs.Rollback:
                rollback = true;
                break;
            case CaptureJobs.Proceed:
                rollback = false;
                break;
            default:
                return EpcisProblems.Result(StatusCodes.Status400BadRequest, "invalid-request", "ValidationException",
                    "Unknown capture error behaviour",
                    $"{EpcisRequest.ErrorBehaviourHeader}: send rollback (the default: all or nothing) or proceed (store what can be stored).",
                    new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [EpcisRequest.ErrorBehaviourHeader] = ["rollback or proceed"] } });
        }

        var (body, refusal) = await EpcisRequest.ReadAsync(http, options.Value, singleEvent: false, ct);
        if (refusal is not null)
        {
            return refusal;
        }

        using (body)
        {
            // All or nothing: a document with one event outside the device's authority is refused whole, before anything is stored.
            if (rollback && await authority.FirstOutsideAuthorityAsync(http.User.DeviceId(),
                    CaptureDocument.Read(body!.Text, "authority", clock.GetUtcNow()).Events.Select(e => e.Indexed), ct) is { } outside)
            {
                return EpcisProblems.Result(StatusCodes.Status403Forbidden, "epcis-outside-authority", "SecurityException",
                    "Outside this device's authority", outside);
            }

            // Stored (committed) before the answer: an accepted document is never lost. Small ones are
            // run at once in that same transaction; large ones are queued for a worker.
            string id;
            if (body!.EventCount <= options.Value.InlineCaptureLimit)
            {
                id = await processor.CaptureNowAsync(body.Text, rollback, http.User.DeviceId(), ct);
            }
            else
            {
                id = await jobs.QueueAsync(body.Text, body.EventCount, rollback, http.User.DeviceId(), ct);
                signal.Queued();
            }

            return Results.Accepted($"/epcis/capture/{id}", new { captureID = id });
        }
    }

    private static async Task<IResult> Find(string captureId, HttpContext http, CaptureJobs jobs, CancellationToken ct) =>
        await jobs.FindAsync(captureId, OwnOnly(http.User), ct) is { } job
            ? Results.Ok(job)
            : EpcisProblems.Result(StatusCodes.Status404NotFound, "not-found", "NoSuchNameException", "Capture job not found",
                $"No capture job '{captureId}' that this device may read.");

    private static async Task<IResult> List(HttpContext http, CaptureJobs jobs, CancellationToken ct) =>
        Results.Ok(await jobs.ListAsync(OwnOnly(http.User), 100, ct));

    /// <summary>Devices read the jobs they sent; staff read all.</summary>
    private static string? OwnOnly(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Staff) || user.IsInRole(Roles.Admin) ? null : user.DeviceId();
}
