using System.Net;
using Marten;
using Npgsql;
using TrackTrace.Api.Store;
using TrackTrace.Domain.Shipments;
using TrackTrace.IntegrationTests.Infrastructure;

namespace TrackTrace.IntegrationTests.Shipments;

/// <summary>
/// The write path stores a transaction's shipment snapshots with one statement of its own
/// (ShipmentSnapshots) instead of Marten's upsert per document. What it writes must be what Marten
/// would: the same columns, the same JSON, the same duplicated values, or the staff list, the
/// overdue monitor and every Marten load would read something else.
/// </summary>
public sealed class ShipmentSnapshotsTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task Every_column_marten_made_for_a_shipment_is_written()
    {
        var names = new StoreNames(service.Service.Get<IDocumentStore>().Options);
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select column_name::text from information_schema.columns where table_schema || '.' || table_name = $1 " +
            "and column_name not in ('id', 'data') and column_name not like 'mt\\_%'", connection);
        command.Parameters.AddWithValue(names.Shipments);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        Assert.Equal(StoreNames.ShipmentDuplicatedColumns.Order(), columns.Order());
    }

    [Fact]
    public async Task A_checked_in_shipments_row_is_the_row_martens_own_upsert_writes_for_its_snapshot()
    {
        var shipment = await service.Api.RegisterShipmentAsync("ocean-reefer");
        using var scanner = service.Service.Client(await service.Api.EnrollAsync("scanner", await service.Api.RegisterStationAsync("factory")));
        await ServiceFixture.Expect(await ServiceFixture.ScanAsync(scanner, shipment), HttpStatusCode.Created);

        var store = service.Service.Get<IDocumentStore>();
        Shipment stored;
        await using (var query = store.QuerySession())
        {
            stored = (await query.LoadAsync<Shipment>(shipment))!;
        }

        Assert.Equal(1, stored.Progress);
        Assert.NotNull(stored.NextDueAt);

        // The same snapshot under another id, stored by Marten itself.
        var twin = stored with { Id = ServiceFixture.NewId("TWIN") };
        await using (var session = store.LightweightSession())
        {
            session.Store(twin);
            await session.SaveChangesAsync();
        }

        var names = new StoreNames(store.Options);
        var compared = string.Join(", ", StoreNames.ShipmentDuplicatedColumns
            .Append($"{StoreNames.DataColumn} - '{nameof(Shipment.Id).ToLowerInvariant()}'").Append(StoreNames.DotNetTypeColumn));
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select (select row({compared})::text from {names.Shipments} where {StoreNames.IdColumn} = $1), " +
            $"(select row({compared})::text from {names.Shipments} where {StoreNames.IdColumn} = $2)",
            connection);
        command.Parameters.AddWithValue(shipment);
        command.Parameters.AddWithValue(twin.Id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(reader.GetString(1), reader.GetString(0)); // GetString throws when either row is missing
    }
}
