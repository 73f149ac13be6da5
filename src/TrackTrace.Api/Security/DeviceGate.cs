using Microsoft.AspNetCore.Http.HttpResults;
using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Security;

/// <summary>
/// The second factor, read from the attribute store: is this certificate's device enrolled and
/// does it carry the expected attributes now? A refusal raises the (rate-limited) device-rejected
/// alert; a retired certificate that was superseded by its renewal suspends its device (<see cref="CertificateSuccession"/>).
/// </summary>
public sealed class DeviceGate(
    DeviceDirectory directory, DeviceAccessPolicy policy, DeviceRejectionAlerts alerts, CertificateSuccession succession,
    TimeProvider clock)
{
    public async Task<(DeviceRecord? Record, DeviceRejection? Rejection)> CheckAsync(
        string fingerprint, string subject, CancellationToken ct)
    {
        var record = await directory.FindByCertificateAsync(fingerprint, ct);
        var rejection = policy.Check(record?.Device, fingerprint, clock.GetUtcNow());
        if (rejection is not null)
        {
            directory.Forget(fingerprint);
            if (rejection.Reason == RejectionReasons.CertificateRetired)
            {
                await succession.RetiredCertificateUsedAsync(record!.Device, fingerprint, subject);
            }

            await alerts.RaiseAsync(fingerprint, subject, record?.Device, rejection);
        }

        return (record, rejection);
    }

    /// <summary>The device is not in the store as it was when the request began: ask the store again.</summary>
    public async Task<(DeviceWriteGuard? Guard, ProblemHttpResult? Refusal)> ConfirmAsync(
        DeviceWriteGuard guard, string subject, CancellationToken ct)
    {
        var (record, rejection) = await CheckAsync(guard.Fingerprint, subject, ct);
        return rejection is null
            ? (guard with { Version = record!.Version }, null)
            : (null, Refused(rejection));
    }

    public static ProblemHttpResult Refused(DeviceRejection rejection) =>
        Problems.Result(StatusCodes.Status403Forbidden, "device-rejected", "Device rejected", rejection.Detail,
            Extensions(rejection));

    public static Dictionary<string, object?> Extensions(DeviceRejection rejection) => new()
    {
        ["reason"] = rejection.Reason,
        ["attribute"] = rejection.Attribute,
    };
}
