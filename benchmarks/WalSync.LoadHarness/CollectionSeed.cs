using System.Net.Http.Json;

namespace WalSync.LoadHarness;

/// <summary>
/// Makes a Typesense-compatible server look like one WalSync has already filled: the alias <c>products</c> over an
/// empty first version. A walsync that then resumes its slot only streams; without it, finding no collection, it
/// would first backfill the whole table and the throughput runs would measure that too.
/// </summary>
/// <remarks>The version holds only the catch-all field; walsync adds the table's fields to it when it starts
/// (https://typesense.org/docs/29.0/api/collections.html#update-or-alter-a-collection).</remarks>
internal static class CollectionSeed
{
    /// <summary>Creates <c>products__v1</c> and points the alias <c>products</c> at it.</summary>
    public static async Task SeedProductsAsync(Uri url, string apiKey)
    {
        using var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", apiKey);
        var schema = new { name = "products__v1", fields = new[] { new { name = ".*", type = "auto", optional = true } }, enable_nested_fields = true };
        using (var created = await http.PostAsJsonAsync(new Uri("/collections", UriKind.Relative), schema))
        {
            created.EnsureSuccessStatusCode();
        }
        using var aliased = await http.PutAsJsonAsync(new Uri("/aliases/products", UriKind.Relative), new { collection_name = "products__v1" });
        aliased.EnsureSuccessStatusCode();
    }
}
