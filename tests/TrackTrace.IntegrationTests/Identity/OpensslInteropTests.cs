using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Identity;

/// <summary>Plain standards: a client certificate that openssl makes from the same CA key works like ours.</summary>
public sealed class OpensslInteropTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task A_scanner_certificate_made_by_openssl_from_the_CA_key_checks_a_shipment_in()
    {
        var dir = Directory.CreateTempSubdirectory("tt-openssl-").FullName;
        try
        {
            var deviceId = "openssl-" + Guid.NewGuid().ToString("N")[..8];
            var ca = TestPki.Instance.Directory;
            await File.WriteAllTextAsync(Path.Combine(dir, "ext.cnf"),
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
            await OpenSsl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "device.key");
            await OpenSsl(dir, "req", "-new", "-key", "device.key", "-subj", $"/CN={deviceId}", "-out", "device.csr");
            await OpenSsl(dir, "x509", "-req", "-in", "device.csr", "-CA", Path.Combine(ca, "ca.crt"), "-CAkey",
                Path.Combine(ca, "ca.key"), "-CAcreateserial", "-days", "30", "-extfile", "ext.cnf", "-out", "device.crt");
            await OpenSsl(dir, "verify", "-CAfile", Path.Combine(ca, "ca.crt"), "device.crt");

            var station = await fixture.Api.RegisterStationAsync("factory");
            var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "device.crt"), Path.Combine(dir, "device.key"));
            await ServiceFixture.Expect(await fixture.Admin.PostAsJsonAsync("/api/devices", new
            {
                deviceId, role = "scanner", stationId = station, certificate = TestPki.Pem(certificate),
            }), HttpStatusCode.Created);

            using var scanner = fixture.Service.Client(certificate);
            var shipment = await fixture.Api.RegisterShipmentAsync("road-domestic");
            await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Created);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task OpenSsl(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)}: {await error}");
    }
}
