using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using WalSync.Typesense;

namespace WalSync.Cli.Demo;

/// <summary>Compares the demo's <c>products</c> table with its collection, document by document and field by field.</summary>
public sealed class DemoCheck
{
    private readonly NpgsqlDataSource _data;
    private readonly TypesenseClient _client;
    private readonly string _collection;

    /// <summary>Creates the check.</summary>
    public DemoCheck(NpgsqlDataSource data, TypesenseClient client, string collection)
    {
        _data = data;
        _client = client;
        _collection = collection;
    }

    /// <summary>Rows in the table.</summary>
    public async Task<long> CountRowsAsync(CancellationToken cancellationToken)
    {
        await using var command = _data.CreateCommand("SELECT count(*) FROM products");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Documents in the collection (0 before it exists).</summary>
    public async Task<int> CountDocumentsAsync(CancellationToken cancellationToken) =>
        (await _client.GetCollectionAsync(_collection, cancellationToken)) is null ? 0
            : (await _client.SearchAsync(_collection, new SearchRequest { Q = "*", PerPage = 1 }, cancellationToken)).OutOf;

    /// <summary>Waits until the collection equals the table, or <paramref name="timeout"/> passes; false on timeout.</summary>
    /// <exception cref="Exception">Whatever made <paramref name="running"/> (the sync) fail.</exception>
    public async Task<bool> WaitForConvergenceAsync(Task running, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(running);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (true)
        {
            if (running.IsCompleted)
            {
                await running;
                return (await CompareAsync(cancellationToken)).Count == 0;
            }
            if (await _client.GetCollectionAsync(_collection, cancellationToken) is not null && (await CompareAsync(cancellationToken)).Count == 0)
            {
                return true;
            }
            try
            {
                await timer.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    /// <summary>Every difference between the table and the collection, one line each; empty when they are equal.</summary>
    public async Task<IReadOnlyList<string>> CompareAsync(CancellationToken cancellationToken)
    {
        var expected = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using (var command = _data.CreateCommand(
            "SELECT id::text, product_name, description, price::float8, floor(extract(epoch FROM updated_at))::bigint, user_id::text FROM products"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var document = new JsonObject
                {
                    ["id"] = reader.GetString(0),
                    ["product_name"] = reader.GetString(1),
                    ["price"] = reader.GetDouble(3),
                    ["updated_at"] = reader.GetInt64(4),
                    ["user_id"] = reader.GetString(5),
                };
                if (!reader.IsDBNull(2))
                {
                    document["description"] = reader.GetString(2);
                }
                expected[reader.GetString(0)] = document;
            }
        }
        var differences = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in await _client.ExportAsync(_collection, cancellationToken))
        {
            var id = document["id"]?.GetValue<string>() ?? "";
            seen.Add(id);
            if (!expected.TryGetValue(id, out var row))
            {
                differences.Add($"document {id} has no row");
                continue;
            }
            foreach (var (field, value) in row)
            {
                var actual = document[field];
                if (!SameValue(value, actual))
                {
                    differences.Add($"document {id}: {field} is {actual?.ToJsonString() ?? "missing"}, the row has {value?.ToJsonString()}");
                }
            }
        }
        differences.AddRange(expected.Keys.Where(id => !seen.Contains(id)).Select(id => $"row {id} has no document"));
        return differences;
    }

    private static bool SameValue(JsonNode? expected, JsonNode? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }
        if (expected.GetValueKind() == System.Text.Json.JsonValueKind.Number && actual.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            return Math.Abs(double.Parse(expected.ToJsonString(), CultureInfo.InvariantCulture) - double.Parse(actual.ToJsonString(), CultureInfo.InvariantCulture)) < 1e-9;
        }
        return JsonNode.DeepEquals(expected, actual);
    }
}
