using System.Text.RegularExpressions;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;

namespace TrackTrace.Api.StaffPage;

/// <summary>
/// The staff page: <c>/</c> and its modules and stylesheet under <c>/ui/</c>, static files from
/// wwwroot. They are endpoints with the staff policy rather than UseStaticFiles, so a device of
/// another role gets the same 403 role-not-allowed as on the API and nothing is served before the
/// device check.
/// </summary>
public static partial class StaffPageEndpoints
{
    // The page talks to its own origin only; no inline script or style, no framing.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void MapStaffPage(this WebApplication app)
    {
        var page = app.MapGroup("").RequireAuthorization(Roles.Staff).ExcludeFromDescription();
        page.MapGet("/", (HttpContext http, IWebHostEnvironment env) => Serve(http, env, "index.html"));
        page.MapGet("/ui/{file}", (string file, HttpContext http, IWebHostEnvironment env) =>
            AssetName().IsMatch(file) ? Serve(http, env, "ui/" + file) : NotFound(file));
    }

    private static IResult Serve(HttpContext http, IWebHostEnvironment env, string path)
    {
        var file = env.WebRootFileProvider.GetFileInfo(path);
        if (!file.Exists || file.PhysicalPath is null || !ContentTypes.TryGetContentType(path, out var contentType))
        {
            return NotFound(path);
        }

        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache"; // revalidate with the ETag: a new build is seen at once
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        var tag = new EntityTagHeaderValue($"\"{file.LastModified.UtcTicks:x}-{file.Length:x}\"");
        return TypedResults.PhysicalFile(file.PhysicalPath, contentType, lastModified: file.LastModified, entityTag: tag);
    }

    private static IResult NotFound(string path) =>
        Problems.Result(StatusCodes.Status404NotFound, "not-found", "Not found", $"The staff page has no file '{path}'.");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*\\.(js|css|svg)$")]
    private static partial Regex AssetName();
}
