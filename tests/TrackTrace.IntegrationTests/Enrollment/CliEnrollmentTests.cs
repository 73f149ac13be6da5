using System.Net;
using System.Security.Cryptography.X509Certificates;
using TrackTrace.Cli.Commands;
using TrackTrace.IntegrationTests.Infrastructure;
using TrackTrace.Pki;

namespace TrackTrace.IntegrationTests.Enrollment;

/// <summary>
/// <c>tracktrace device enroll</c> and <c>device renew</c>, the reference scanner client, against the
/// real service: the key is made by the CLI, the server verified against the root given and nothing
/// else, the answer checked before a file is written, and renewal only when it is due.
/// </summary>
public sealed class CliEnrollmentTests(CliEnrollmentTests.Setup setup) : IClassFixture<CliEnrollmentTests.Setup>
{
    public sealed class Setup : ServiceFixture
    {
        public string Station { get; private set; } = "";
        public EstDevices Devices { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Station = await Api.RegisterStationAsync("factory");
            Devices = new EstDevices(Service, Admin);
        }
    }

    private static string Origin(Uri address) => address.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task Device_enroll_makes_the_key_here_writes_mode_600_files_and_the_certificate_scans()
    {
        var pending = await setup.Devices.RegisterAsync("scanner", setup.Station);
        using var folder = new Scratch();

        var (exit, output, error) = await RunAsync("device", "enroll", "--server", Origin(setup.Service.EnrollmentAddress),
            "--ca", TestPki.Instance.CaPath, "--device", pending.DeviceId, "--token", pending.Token, "--out", folder.Path);

        Assert.True(exit == 0, error);
        var lines = Lines(output);
        Assert.Equal(Path.Combine(folder.Path, pending.DeviceId + ".key"), lines["key"]);
        Assert.Equal("ECDSA P-256", lines["key-algorithm"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lines["key"]));
        var chain = PemCertificateChain.Read(await File.ReadAllTextAsync(lines["chain"]));
        Assert.Equal(TestPki.Instance.Issuing.Certificate.Thumbprint, chain[1].Thumbprint);
        using var certificate = X509Certificate2.CreateFromPemFile(lines["certificate"], lines["key"]);
        Assert.Equal(lines["sha256"], Fingerprint.Sha256Hex(certificate));
        using var scanner = setup.Service.Client(certificate);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Device_enroll_with_rsa_makes_an_RSA_3072_key()
    {
        var pending = await setup.Devices.RegisterAsync("sensor");
        using var folder = new Scratch();
        var tokenFile = Path.Combine(folder.Path, "token");
        await File.WriteAllTextAsync(tokenFile, pending.Token + "\n");

        var (exit, output, error) = await RunAsync("device", "enroll", "--server", Origin(setup.Service.EnrollmentAddress),
            "--ca", TestPki.Instance.CaPath, "--device", pending.DeviceId, "--token-file", tokenFile, "--out", folder.Path, "--rsa");

        Assert.True(exit == 0, error);
        Assert.Equal("RSA 3072", Lines(output)["key-algorithm"]);
    }

    [Fact]
    public async Task Device_enroll_refuses_a_server_that_does_not_chain_to_the_root_given_and_spends_no_token()
    {
        var pending = await setup.Devices.RegisterAsync("sensor");
        using var folder = new Scratch();
        using var otherRoot = CertificateAuthority.Create("Some Other Root");
        var otherRootPath = Path.Combine(folder.Path, "other-ca.crt");
        PemFiles.WriteCertificate(otherRootPath, otherRoot.Certificate);

        var (exit, _, error) = await RunAsync("device", "enroll", "--server", Origin(setup.Service.EnrollmentAddress),
            "--ca", otherRootPath, "--device", pending.DeviceId, "--token", pending.Token, "--out", folder.Path);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("TLS handshake", error);
        Assert.False(File.Exists(Path.Combine(folder.Path, pending.DeviceId + ".key")));
        Assert.True((await setup.Devices.DeviceAsync(pending.DeviceId)).GetProperty("pending").GetBoolean());
    }

    [Fact]
    public async Task Device_enroll_with_a_wrong_token_exits_1_with_the_problem_and_writes_nothing()
    {
        var pending = await setup.Devices.RegisterAsync("sensor");
        using var folder = new Scratch();

        var (exit, _, error) = await RunAsync("device", "enroll", "--server", Origin(setup.Service.EnrollmentAddress),
            "--ca", TestPki.Instance.CaPath, "--device", pending.DeviceId, "--token", "wrong", "--out", folder.Path);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("401 https://tracktrace.dev/problems/enrollment-credentials-invalid", error);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public async Task Device_enroll_does_not_replace_a_key_without_force_and_keeps_the_token()
    {
        var pending = await setup.Devices.RegisterAsync("sensor");
        using var folder = new Scratch();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, pending.DeviceId + ".key"), "in use");

        var (exit, _, error) = await RunAsync("device", "enroll", "--server", Origin(setup.Service.EnrollmentAddress),
            "--ca", TestPki.Instance.CaPath, "--device", pending.DeviceId, "--token", pending.Token, "--out", folder.Path);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("already exists", error);
        Assert.Equal("live", (await setup.Devices.DeviceAsync(pending.DeviceId)).GetProperty("enrollmentToken").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Device_renew_says_it_is_not_due_then_with_force_replaces_the_files_with_a_new_key()
    {
        var pending = await setup.Devices.RegisterAsync("scanner", setup.Station);
        using var folder = new Scratch();
        var (enrolled, enrollOutput, enrollError) = await RunAsync("device", "enroll", "--server", Origin(setup.Service.EnrollmentAddress),
            "--ca", TestPki.Instance.CaPath, "--device", pending.DeviceId, "--token", pending.Token, "--out", folder.Path);
        Assert.True(enrolled == 0, enrollError);
        var before = Lines(enrollOutput);
        string[] renew = ["device", "renew", "--server", Origin(setup.Service.ApiAddress), "--ca", TestPki.Instance.CaPath,
            "--cert", before["certificate"], "--key", before["key"], "--out", folder.Path];

        var (notDue, notDueOutput, _) = await RunAsync(renew);
        Assert.Equal(0, notDue);
        Assert.Equal("false", Lines(notDueOutput)["renewed"]);
        Assert.Contains("not due", notDueOutput);

        var (forced, forcedOutput, forcedError) = await RunAsync([.. renew, "--force"]);
        Assert.True(forced == 0, forcedError);
        var after = Lines(forcedOutput);
        Assert.Equal(before["certificate"], after["certificate"]);
        Assert.NotEqual(before["public-key-sha256"], after["public-key-sha256"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(after["key"]));
        Assert.Empty(Directory.GetFiles(folder.Path, ".*.tmp"));
        using var renewed = X509Certificate2.CreateFromPemFile(after["certificate"], after["key"]);
        using var scanner = setup.Service.Client(renewed);
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, await setup.Api.RegisterShipmentAsync("road-domestic")), HttpStatusCode.Created);
        var device = await setup.Devices.DeviceAsync(pending.DeviceId);
        Assert.Single(device.GetProperty("certificates").EnumerateArray(), c => !c.GetProperty("retired").GetBoolean());
    }

    [Fact]
    public async Task Device_renew_renews_a_certificate_with_less_than_a_third_of_its_life_left()
    {
        // A certificate the issuing CA made 25 of 30 days ago, enrolled by the admin.
        var deviceId = ServiceFixture.NewId("aged").ToLowerInvariant();
        var now = DateTimeOffset.UtcNow;
        using var aged = TestPki.Instance.Issuing.Issue(CertificateProfile.ForDevice(deviceId) with { NotBefore = now.AddDays(-25), NotAfter = now.AddDays(5) });
        await setup.Api.EnrollCertificateAsync(aged, deviceId, "sensor");
        using var folder = new Scratch();
        var files = PemFiles.WriteCertificateAndKey(folder.Path, deviceId, aged);

        var (exit, output, error) = await RunAsync("device", "renew", "--server", Origin(setup.Service.ApiAddress), "--ca", TestPki.Instance.CaPath,
            "--cert", files.CertificatePath, "--key", files.KeyPath, "--out", folder.Path);

        Assert.True(exit == 0, error);
        Assert.Equal("true", Lines(output)["renewed"]);
        using var renewed = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
        Assert.InRange((renewed.NotAfter - DateTime.Now).TotalDays, 29, 31);
    }

    private static Dictionary<string, string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Where(l => l.Contains('=')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim());

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApplication.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private sealed class Scratch : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("tt-cli-est-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
