using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Devices.EnrollingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.IssuingEnrollmentToken;

/// <summary>A fresh enrollment token, shown this once.</summary>
public sealed record EnrollmentTokenAnswer(string DeviceId, string EnrollmentToken, DateTimeOffset EnrollmentExpiresAt, string EnrollAt);

/// <summary>
/// POST /api/devices/{id}/enrollment-token: a new one-time token for the device (its first expired,
/// was voided after wrong tries, or the device was reset and must enroll a new key); the token
/// before it stops working at once. The body may be empty, or say why: <c>{ "reason": "..." }</c>, kept in the audit.
/// </summary>
public static class IssueEnrollmentTokenEndpoint
{
    public static void MapIssueEnrollmentToken(this RouteGroupBuilder devices) =>
        devices.MapPost("/{deviceId}/enrollment-token", Handle)
            .WithSummary("Issue a fresh one-time enrollment token for a device; the previous one is voided (admin)");

    private static async Task<Results<Ok<EnrollmentTokenAnswer>, ProblemHttpResult>> Handle(
        string deviceId, ReasonRequest? request, HttpContext http, DeviceRegistry registry, IOptions<DeviceOptions> options, IOptions<ApiOptions> api,
        CancellationToken ct)
    {
        var token = EnrollmentTokens.New(registry.Now, options.Value.EnrollmentTokenLifetime);
        var result = await registry.ChangeAsync(deviceId, device =>
            DeviceDecider.IssueEnrollmentToken(device, token.Stored, Actor.Admin(http.User.DeviceId()), registry.Now, request?.Reason), ct);
        return result.Refusal is { } refusal
            ? Problems.From(refusal)
            : TypedResults.Ok(new EnrollmentTokenAnswer(deviceId, token.Token, token.Stored.ExpiresAt,
                EnrollDeviceEndpoint.EnrollAt(http, api.Value)));
    }
}
