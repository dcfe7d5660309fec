using System.Net.Http.Json;

namespace WalSync.LoadHarness;

/// <summary>
/// Makes a Typesense-compatible server look like one WalSync has already filled: the alias <c>products</c> (or of each
/// table's name) over an empty first version. A walsync that then resumes its slot only streams; without it, finding no collection, it
/// would first backfill the whole table and the throughput runs would measure that too.
/// </summary>
/// <remarks>The version holds only the catch-all field; walsync adds the table's fields to it when it starts
/// (https://typesense.org/docs/29.0/api/collections.html#update-or-alter-a-collection).</remarks>
internal static class CollectionSeed
{
    /// <summary>Creates <c>NAME__v1</c> and points the alias <c>NAME</c> at it, for each of <paramref name="collections"/>.</summary>
    public static async Task SeedAsync(Uri url, string apiKey, IEnumerable<string> collections)
    {
        using var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", apiKey);
        foreach (var name in collections)
        {
            var schema = new { name = name + "__v1", fields = new[] { new { name = ".*", type = "auto", optional = true } }, enable_nested_fields = true };
            using (var created = await http.PostAsJsonAsync(new Uri("/collections", UriKind.Relative), schema))
            {
                created.EnsureSuccessStatusCode();
            }
            using var aliased = await http.PutAsJsonAsync(new Uri($"/aliases/{name}", UriKind.Relative), new { collection_name = name + "__v1" });
            aliased.EnsureSuccessStatusCode();
        }
    }
}
