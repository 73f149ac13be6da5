using System.Net;
using Npgsql;
using TrackTrace.Api.Shipments.RecordingScan;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Shipments;

/// <summary>
/// A database from before receipts had their own table keeps them in Marten's document table. A
/// scanner whose scan was answered just before the upgrade and retries just after must get the
/// stored answer, not a second judgement (that would be an out-of-sequence anomaly on the record).
/// </summary>
public sealed class LegacyScanReceiptsTests
{
    [Fact]
    public async Task A_retry_of_a_scan_answered_before_the_upgrade_gets_its_stored_answer()
    {
        var database = await TestEnvironment.CreateDatabaseAsync();
        var broker = await TestEnvironment.CreateVirtualHostAsync();
        var scanId = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        string shipment;
        string firstAnswer;
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
        await using (var before = await ServiceInstance.StartAsync(database, broker))
        {
            using var admin = before.Client(TestPki.Instance.Admin);
            var api = new AdminApi(admin);
            shipment = await api.RegisterShipmentAsync("ocean-reefer");
            certificate = await api.EnrollAsync("scanner", await api.RegisterStationAsync("factory"));
            using var scanner = before.Client(certificate);
            using var answered = await ServiceFixture.ScanAsync(scanner, shipment, scanId, at);
            Assert.Equal(HttpStatusCode.Created, answered.StatusCode);
            firstAnswer = await answered.Content.ReadAsStringAsync();
        }

        // Put the database back in its old shape: the receipt as a Marten document, no row in the new table.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                create table {LegacyScanReceipts.LegacyTable} (id uuid primary key, data jsonb not null);
                insert into {LegacyScanReceipts.LegacyTable}
                  select scan_id, jsonb_build_object('id', scan_id, 'shipmentId', shipment_id, 'requestHash', request_hash,
                                                     'status', status, 'body', body, 'at', recorded_at)
                  from {ScanReceipts.Table};
                delete from {ScanReceipts.Table};
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var after = await ServiceInstance.StartAsync(database, broker);
        using var scannerAfter = after.Client(certificate);
        using var retried = await ServiceFixture.ScanAsync(scannerAfter, shipment, scanId, at);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstAnswer, await retried.Content.ReadAsStringAsync());

        await using var check = new NpgsqlConnection(database);
        await check.OpenAsync();
        await using var exists = new NpgsqlCommand($"select to_regclass('{LegacyScanReceipts.LegacyTable}') is not null", check);
        Assert.False((bool)(await exists.ExecuteScalarAsync())!);
    }
}
