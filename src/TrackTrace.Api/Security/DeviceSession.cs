using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// Endpoint metadata: a response that stays open (server-sent events, long polls) and must end when
/// its device may no longer make the request that opened it. See <see cref="DeviceSessions"/>.
/// </summary>
public sealed class RechecksDevice;

public static class RechecksDeviceExtensions
{
    /// <summary>While the response lasts, its device is checked again every Devices:StreamRecheckInterval.</summary>
    public static TBuilder RechecksDevice<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RechecksDevice());
}

/// <summary>
/// Authentication judges a device once per request, and a request that stays open for hours would
/// keep what it was granted. For endpoints marked <see cref="RechecksDevice"/>, this middleware
/// repeats the judgement every <see cref="DeviceOptions.StreamRecheckInterval"/> while the response
/// lasts: the certificate's validity period on the injected clock, the attribute store through
/// <see cref="DeviceGate"/> (as every request), and the endpoint's authorization policy for the
/// device's role as the store holds it now. When the device may no longer make that request, or the
/// store cannot tell (fail closed), the request's <see cref="HttpContext.RequestAborted"/> fires, so
/// the endpoint ends its response as it would for a client that left; <see cref="DeviceSession.Rejection"/>
/// says why. A reconnect then meets the per-request check.
/// </summary>
public sealed class DeviceSessions
{
    public const string RoleNotAllowed = "role-not-allowed";
    public const string CheckUnavailable = "device-check-unavailable";

    private readonly DeviceGate _gate;
    private readonly IAuthorizationService _authorization;
    private readonly IAuthorizationPolicyProvider _policies;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeviceSessions> _logger;
    private readonly TimeSpan _interval;

    public DeviceSessions(
        DeviceGate gate, IAuthorizationService authorization, IAuthorizationPolicyProvider policies, TimeProvider clock,
        IOptions<DeviceOptions> options, ILogger<DeviceSessions> logger)
    {
        _interval = options.Value.StreamRecheckInterval;
        if (_interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"Devices:StreamRecheckInterval must be a positive time span such as 00:00:05, not {_interval}");
        }

        _gate = gate;
        _authorization = authorization;
        _policies = policies;
        _clock = clock;
        _logger = logger;
    }

    public static async Task Middleware(HttpContext context, Func<Task> next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RechecksDevice>() is null || context.User.Identity?.IsAuthenticated != true)
        {
            await next();
            return;
        }

        var sessions = context.RequestServices.GetRequiredService<DeviceSessions>();
        await using var session = sessions.Start(context, endpoint);
        var original = context.RequestAborted;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(original, session.Revoked);
        context.RequestAborted = ended.Token;
        context.Features.Set(session);
        try
        {
            await next();
        }
        finally
        {
            context.RequestAborted = original;
        }
    }

    private DeviceSession Start(HttpContext context, Endpoint endpoint)
    {
        var certificate = context.Connection.ClientCertificate
            ?? throw new InvalidOperationException("a device session needs the request's client certificate");
        var deviceId = context.User.DeviceId();
        var fingerprint = context.User.FindFirstValue(Roles.FingerprintClaim) ?? Fingerprints.Sha256(certificate);
        var what = $"{context.Request.Method} {context.Request.Path}";

        async Task<DeviceRejection?> CheckAsync(CancellationToken ct)
        {
            if (DevicePrincipal.CheckValidity(certificate, _clock.GetUtcNow()) is { } expired)
            {
                return expired;
            }

            var (record, rejection) = await _gate.CheckAsync(fingerprint, certificate.Subject, ct);
            if (rejection is not null)
            {
                return rejection;
            }

            var device = record!.Device;
            var policy = await AuthorizationPolicy.CombineAsync(_policies,
                             endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(),
                             endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>())
                         ?? await _policies.GetFallbackPolicyAsync();
            var principal = DevicePrincipal.Create(device, fingerprint, DeviceAuthenticationHandler.SchemeName);
            if (device.DeviceId != deviceId ||
                (policy is not null && !(await _authorization.AuthorizeAsync(principal, null, policy)).Succeeded))
            {
                return new DeviceRejection(RoleNotAllowed, "role",
                    $"device '{device.DeviceId}' with role '{DeviceRoles.Name(device.Role)}' may no longer call {what}");
            }

            return null;
        }

        return new DeviceSession(CheckAsync, _interval, _clock, _logger, deviceId, what);
    }
}

/// <summary>One open response's device, checked on a timer until the response ends or the device is refused.</summary>
public sealed class DeviceSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _revoked = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _checking;

    internal DeviceSession(
        Func<CancellationToken, Task<DeviceRejection?>> check, TimeSpan interval, TimeProvider clock, ILogger logger,
        string deviceId, string what)
    {
        Revoked = _revoked.Token;
        _checking = CheckUntilRefusedAsync(check, interval, clock, logger, deviceId, what);
    }

    /// <summary>Fires when the device may no longer make this request.</summary>
    public CancellationToken Revoked { get; }

    /// <summary>Why the device was refused, once <see cref="Revoked"/> fired.</summary>
    public DeviceRejection? Rejection { get; private set; }

    private async Task CheckUntilRefusedAsync(
        Func<CancellationToken, Task<DeviceRejection?>> check, TimeSpan interval, TimeProvider clock, ILogger logger,
        string deviceId, string what)
    {
        await Task.Yield(); // the caller's request goes on at once
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                DeviceRejection? rejection;
                try
                {
                    rejection = await check(_stop.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // What cannot be confirmed is not granted; the client reconnects once the store answers.
                    rejection = new DeviceRejection(DeviceSessions.CheckUnavailable, null,
                        "the device could not be checked again (the attribute store did not answer)");
                    logger.LogWarning("Could not re-check device {DeviceId} for {What}: {Error}", deviceId, what, ex.Message);
                }

                if (rejection is not null)
                {
                    logger.LogInformation("Ending {What} of device {DeviceId}: {Reason} {Attribute}", what, deviceId,
                        rejection.Reason, rejection.Attribute);
                    Rejection = rejection;
                    // Asynchronously: the endpoint's continuations must not run on this loop.
                    await _revoked.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _checking;
        _stop.Dispose();
        _revoked.Dispose();
    }
}
