using System.Text.Json.Nodes;
using Npgsql;
using WalSync.Replication;

namespace WalSync.Tests.Convergence;

/// <summary>
/// The documents a table should give, computed by PostgreSQL alone: a query returns each row's id (text) and its
/// document as jsonb, built with the SQL of <see cref="ExpectedSql"/> rather than with WalSync's mapper. A field whose
/// value is SQL NULL (a JSON null at the top level) is left out, as NULL columns are.
/// </summary>
internal static class ExpectedDocuments
{
    /// <summary>Runs <paramref name="sql"/> (columns: id text, document jsonb) under WalSync's session settings, so that
    /// text forms (intervals, bytea, time zones) are the ones the replication connection sees.</summary>
    public static async Task<Dictionary<string, JsonObject>> LoadAsync(string connectionString, string sql)
    {
        var documents = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(SessionSettings.Apply(connectionString, "walsync_oracle"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetString(0);
            var document = JsonNode.Parse(reader.GetString(1))!.AsObject();
            foreach (var name in document.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                document.Remove(name);
            }
            document["id"] = id;
            Assert.True(documents.TryAdd(id, document), $"The expected query gives document id {id} twice.");
        }
        return documents;
    }
}
