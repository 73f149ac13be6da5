using System.Security.Claims;
using TrackTrace.Api.Security;

namespace TrackTrace.Api.StaffPage;

/// <summary>Who the browser's certificate is, as the device check judged it for this request.</summary>
public sealed record SignedInView(string DeviceId, string Role);

/// <summary>
/// GET /api/me (staff, admin): the page shows admins their Devices area and nobody else. Only what
/// to draw: every device call is authorized by the service itself, so hiding is no protection.
/// </summary>
public static class SignedInEndpoint
{
    public static void MapSignedIn(this RouteGroupBuilder api) =>
        api.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new SignedInView(user.DeviceId(), user.FindFirstValue(ClaimTypes.Role) ?? "")))
            .WithTags("Staff page").RequireAuthorization(Roles.Staff)
            .WithSummary("The signed-in device and its role (staff)");
}
