using System.Net;
using System.Net.Http.Json;
using Marten;
using Npgsql;
using TrackTrace.Api.Store;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Skeleton;

/// <summary>
/// Our SQL names Marten's tables, columns and JSON keys through <see cref="StoreNames"/> only. These
/// names are derived from the mapping; here they are checked against the schema Marten really made
/// and a document it really stored, so a rename in the model or a change in Marten fails this test
/// instead of a scan in production.
/// </summary>
public sealed class StoreNamesTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task Every_table_and_column_our_sql_names_exists_in_the_schema_marten_made()
    {
        var names = service.Service.Get<StoreNames>();
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.OpenAsync();
        foreach (var (table, column) in names.Columns())
        {
            await using var command = new NpgsqlCommand(
                "select count(*) from information_schema.columns where table_schema || '.' || table_name = $1 and column_name = $2", connection);
            command.Parameters.AddWithValue(table);
            command.Parameters.AddWithValue(column);
            Assert.True((long)(await command.ExecuteScalarAsync())! == 1, $"{table}.{column} does not exist");
        }
    }

    /// <summary>
    /// Every instance applies the schema at start-up. An object PostgreSQL spells differently from our
    /// definition looks changed to each of them and is dropped and made again on every start: until
    /// this test, the device guard's function was (under the other instances' group commits); an
    /// index would be rebuilt on a table that may hold millions of rows.
    /// </summary>
    [Fact]
    public async Task The_schema_in_the_database_is_the_one_configured_so_a_restart_changes_nothing()
    {
        var store = service.Service.Get<IDocumentStore>();
        await store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
    }

    [Fact]
    public async Task The_json_key_of_a_shipments_sensors_is_where_marten_stores_them()
    {
        var names = service.Service.Get<StoreNames>();
        var shipment = await service.Api.RegisterShipmentAsync("ocean-reefer");
        var sensorId = ServiceFixture.NewId("sensor").ToLowerInvariant();
        await service.Api.EnrollAsync("sensor", deviceId: sensorId);
        await ServiceFixture.Expect(await service.Admin.PostAsJsonAsync($"/api/shipments/{shipment}/sensors", new { deviceId = sensorId }),
            HttpStatusCode.OK);

        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select {StoreNames.DataColumn}->'{names.ShipmentSensorsKey}' ? $2 from {names.Shipments} where {StoreNames.IdColumn} = $1", connection);
        command.Parameters.AddWithValue(shipment);
        command.Parameters.AddWithValue(sensorId);
        Assert.True((bool)(await command.ExecuteScalarAsync())!);
    }
}
