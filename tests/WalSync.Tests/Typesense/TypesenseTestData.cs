using System.Text;
using System.Text.Json.Nodes;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

/// <summary>Collections and documents for client tests.</summary>
internal static class TypesenseTestData
{
    /// <summary>A fresh collection name, so tests sharing a server never meet.</summary>
    public static string NewCollectionName() => "client_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Products: <c>name</c> string, <c>price</c> float (both required), <c>tags</c> optional string[].</summary>
    public static CollectionSchema Products(string name) => new()
    {
        Name = name,
        Fields =
        [
            new FieldSchema { Name = "name", Type = "string" },
            new FieldSchema { Name = "price", Type = "float" },
            new FieldSchema { Name = "tags", Type = "string[]", Optional = true, Facet = true },
        ],
    };

    /// <summary>One valid product document per id, as '\n'-separated JSON lines.</summary>
    public static byte[] ProductLines(IEnumerable<string> ids) =>
        Encoding.UTF8.GetBytes(string.Join('\n', ids.Select(id => new JsonObject { ["id"] = id, ["name"] = "product " + id, ["price"] = 9.5 }.ToJsonString())));

    /// <summary>Creates a products collection, runs <paramref name="test"/>, and drops the collection.</summary>
    public static async Task WithProductsAsync(TypesenseClient client, Func<string, Task> test)
    {
        var name = NewCollectionName();
        await client.CreateCollectionAsync(Products(name), CancellationToken.None);
        try
        {
            await test(name);
        }
        finally
        {
            await client.DeleteCollectionAsync(name, CancellationToken.None);
        }
    }

    /// <summary>The ids of every stored document.</summary>
    public static async Task<HashSet<string>> StoredIdsAsync(TypesenseClient client, string collection) =>
        (await client.ExportAsync(collection, CancellationToken.None)).Select(d => (string)d["id"]!).ToHashSet(StringComparer.Ordinal);
}
