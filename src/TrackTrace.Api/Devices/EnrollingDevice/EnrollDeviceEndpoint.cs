using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Devices.Est;
using TrackTrace.Api.Devices.GettingDevice;
using TrackTrace.Api.Hosting;
using TrackTrace.Api.Security;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices.EnrollingDevice;

public sealed record EnrollDeviceRequest(
    string? DeviceId, string? Role, string? StationId, string? Certificate, Dictionary<string, string>? Attributes);

/// <summary>
/// A pending device and the token it enrolls with: <see cref="EnrollmentToken"/> is shown here once
/// (only its SHA-256 is kept); the device sends it with its CSR to <see cref="EnrollAt"/>.
/// </summary>
public sealed record PendingDeviceView(
    string DeviceId,
    string Role,
    DeviceStatus Status,
    string? StationId,
    IReadOnlyDictionary<string, string> Attributes,
    bool Pending,
    string EnrollmentToken,
    DateTimeOffset EnrollmentExpiresAt,
    string EnrollAt);

/// <summary>
/// POST /api/devices: with <c>certificate</c>, enroll a device and bind that certificate; without
/// one, register a pending device that makes its own key and enrolls over EST with the one-time
/// token in the answer.
/// </summary>
public static class EnrollDeviceEndpoint
{
    public static void MapEnrollDevice(this RouteGroupBuilder devices) =>
        devices.MapPost("/", Handle).WithSummary(
            "Enroll a device with its client certificate, or without one register it pending and get its one-time enrollment token (admin)");

    private static async Task<Results<Created<DeviceView>, Created<PendingDeviceView>, ProblemHttpResult>> Handle(
        EnrollDeviceRequest request, HttpContext http, DeviceRegistry registry, ClientCertificateValidator validator,
        IOptions<DeviceOptions> options, IOptions<ApiOptions> api, CancellationToken ct)
    {
        if (request.Certificate is null)
        {
            var token = EnrollmentTokens.New(registry.Now, options.Value.EnrollmentTokenLifetime);
            var registered = await registry.RegisterAsync(new RegisterDevice(request.DeviceId, request.Role, request.StationId,
                request.Attributes, token.Stored, Actor.Admin(http.User.DeviceId()), registry.Now), ct);
            if (registered.Refusal is { } refused)
            {
                return Problems.From(refused);
            }

            var device = registered.Device!;
            return TypedResults.Created($"/api/devices/{device.DeviceId}", new PendingDeviceView(device.DeviceId,
                DeviceRoles.Name(device.Role), device.Status, device.StationId, device.Attributes, device.IsPending(), token.Token,
                token.Stored.ExpiresAt, EnrollAt(http, api.Value)));
        }

        var (certificate, problem) = CertificatePem.Read(request.Certificate, validator);
        if (problem is not null)
        {
            return Problems.From(problem);
        }

        var result = await registry.EnrollAsync(new EnrollDevice(request.DeviceId, request.Role, request.StationId,
            DeviceRegistry.Describe(certificate!), request.Attributes, Actor.Admin(http.User.DeviceId()), registry.Now), ct);
        return result.Refusal is { } refusal
            ? Problems.From(refusal)
            : TypedResults.Created($"/api/devices/{result.Device!.DeviceId}", DeviceView.From(result.Device, null));
    }

    /// <summary>Where the device enrolls: this host, on the enrollment port.</summary>
    public static string EnrollAt(HttpContext http, ApiOptions api) =>
        $"https://{http.Request.Host.Host}:{EnrollmentPort(http, api)}{EstEndpoints.SimpleEnrollPath}";

    /// <summary>
    /// The configured port, or with port 0 (the system picks one, as the tests do) the one Kestrel bound:
    /// the https address that is not the port this request came in on. Telling a device ":0" would be useless.
    /// </summary>
    private static int EnrollmentPort(HttpContext http, ApiOptions api)
    {
        if (api.EnrollmentPort != 0)
        {
            return api.EnrollmentPort;
        }

        var addresses = http.RequestServices.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.Select(a => new Uri(a)).Where(u => u.Scheme == "https" && u.Port != http.Connection.LocalPort)
            .Select(u => u.Port).FirstOrDefault();
    }
}
