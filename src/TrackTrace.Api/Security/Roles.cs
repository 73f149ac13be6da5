using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>Authorization policies by device role. Admins may do what staff may do.</summary>
public static class Roles
{
    public const string Scanner = DeviceRoles.Scanner;
    public const string Sensor = DeviceRoles.Sensor;
    public const string Staff = DeviceRoles.Staff;
    public const string Admin = DeviceRoles.Admin;
    public const string Partner = DeviceRoles.Partner;

    /// <summary>Policy: who may capture EPCIS events.</summary>
    public const string EpcisCapture = "epcis-capture";

    /// <summary>Policy: who may read capture jobs (their own; staff all of them).</summary>
    public const string EpcisCaptureStatus = "epcis-capture-status";

    /// <summary>Policy: who may query EPCIS events (partners: what they captured and what happened at their stations).</summary>
    public const string EpcisQuery = "epcis-query";

    public const string StationClaim = "tracktrace:station";
    public const string FingerprintClaim = "tracktrace:fingerprint";

    /// <summary>The role names each policy admits; the policy is named after its first role.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Policies = new Dictionary<string, string[]>
    {
        [Scanner] = [Scanner],
        [Sensor] = [Sensor],
        [Staff] = [Staff, Admin],
        [Admin] = [Admin],
        [EpcisCapture] = [Scanner, Sensor, Partner, Admin],
        [EpcisCaptureStatus] = [Scanner, Sensor, Partner, Staff, Admin],
        [EpcisQuery] = [Staff, Admin, Partner],
    };

    public static string DeviceId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("no device on this request");

    public static string? StationId(this ClaimsPrincipal user) => user.FindFirstValue(StationClaim);
}

public static class RolePolicyRegistration
{
    public static AuthorizationBuilder AddRolePolicies(this AuthorizationBuilder builder)
    {
        foreach (var (policy, roles) in Roles.Policies)
        {
            builder.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        }

        return builder;
    }
}
