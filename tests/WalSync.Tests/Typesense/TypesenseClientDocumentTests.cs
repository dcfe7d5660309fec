using System.Text;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class TypesenseClientDocumentTests(TypesenseServers servers) : IClassFixture<TypesenseServers>
{
    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task ImportAsync_MixedDocuments_ReturnsLineResultsInOrderAndStoresGoodOnes(string server)
    {
        using var client = servers.NewClient(server);
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            const string ndjson = """
                {"id":"g1","name":"one","price":1.5}
                {"id":"b1","name":"bad price","price":"abc"}
                {"id":"g2","name":"two","price":2}

                {"id":"b2","name":"no price"}
                {"id":"g3","name":"three","price":3,"tags":["x"]}
                {"id":
                {"id":7,"name":"number id","price":1}
                """;

            var results = await client.ImportAsync(collection, Encoding.UTF8.GetBytes(ndjson), ImportAction.Upsert, CancellationToken.None);

            Assert.Equal([true, false, true, false, true, false, false], results.Select(r => r.Success));
            Assert.All(results.Where(r => r.Success), r => Assert.Equal(200, r.Code));
            Assert.All(results.Where(r => !r.Success), r => Assert.Equal(400, r.Code));
            Assert.Contains("price", results[1].Error, StringComparison.Ordinal);
            Assert.Contains("price", results[3].Error, StringComparison.Ordinal);
            Assert.StartsWith("Bad JSON", results[5].Error, StringComparison.Ordinal);
            Assert.Equal(["g1", "g2", "g3"], (await TypesenseTestData.StoredIdsAsync(client, collection)).Order());
        });
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task ImportAsync_CreateExistingAndUpdateMissing_ReportsLineCodes(string server)
    {
        using var client = servers.NewClient(server);
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            await client.ImportAsync(collection, TypesenseTestData.ProductLines(["a"]), ImportAction.Create, CancellationToken.None);

            var created = await client.ImportAsync(collection, TypesenseTestData.ProductLines(["a", "b"]), ImportAction.Create, CancellationToken.None);
            var updated = await client.ImportAsync(collection, Encoding.UTF8.GetBytes("{\"id\":\"zz\",\"price\":1}\n{\"id\":\"a\",\"price\":2}"), ImportAction.Update, CancellationToken.None);

            Assert.Equal([(false, 409), (true, 200)], created.Select(r => (r.Success, r.Code)));
            Assert.Equal([(false, 404), (true, 200)], updated.Select(r => (r.Success, r.Code)));
        });
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task ImportAsync_MissingCollection_Throws404(string server)
    {
        using var client = servers.NewClient(server);

        var ex = await Assert.ThrowsAsync<TypesenseException>(() =>
            client.ImportAsync(TypesenseTestData.NewCollectionName(), TypesenseTestData.ProductLines(["a"]), ImportAction.Upsert, CancellationToken.None));

        Assert.Equal(404, ex.StatusCode);
        Assert.False(ex.IsTransient);
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task DeleteDocumentsAsync_OddIds_DeletesExactlyThose(string server)
    {
        string[] odd = ["a,b", "(c)", "d&&e", "f || g", "in side", "*", "h`i", "ünï ✓", "j/k", "l%m", "n+o", " lead", "trail ", "[x]", "q:r", "back\\slash", "=eq", "search"];
        string[] keep = ["a", "b", "c", "d", "e", "f", "g", "n o", "lead", "trail", "keep*", "h", "i", "j", "k", "x", "eq"];
        using var client = servers.NewClient(server);
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            var imported = await client.ImportAsync(collection, TypesenseTestData.ProductLines(odd.Concat(keep)), ImportAction.Upsert, CancellationToken.None);
            Assert.All(imported, r => Assert.True(r.Success, r.Error));

            var deleted = await client.DeleteDocumentsAsync(collection, [.. odd, "never-stored"], CancellationToken.None);

            Assert.Equal(odd.Length, deleted);
            Assert.Equal(keep.Order(StringComparer.Ordinal), (await TypesenseTestData.StoredIdsAsync(client, collection)).Order(StringComparer.Ordinal));
        });
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task DeleteDocumentsAsync_ManyIds_SplitsRequestsUnder64KiB(string server)
    {
        var ids = Enumerable.Range(0, 6000).Select(i => $"doc-{i:D5}-ü+é").ToList();
        var recorder = new RecordingHandler();
        using var client = new TypesenseClient(servers.Options(server), new CapturingLogger<TypesenseClient>(), null, recorder);
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            await client.ImportAsync(collection, TypesenseTestData.ProductLines(ids), ImportAction.Upsert, CancellationToken.None);

            var deleted = await client.DeleteDocumentsAsync(collection, ids.Take(5000).ToList(), CancellationToken.None);

            var deletes = recorder.Requests.Where(r => r.Method == HttpMethod.Delete && r.Uri.Query.Contains("filter_by", StringComparison.Ordinal)).ToList();
            Assert.Equal(5000, deleted);
            Assert.True(deletes.Count >= 3, $"{deletes.Count} requests");
            Assert.All(deletes, r => Assert.True(r.Uri.PathAndQuery.Length <= 64 * 1024, $"{r.Uri.PathAndQuery.Length} bytes"));
            Assert.Equal(ids.Skip(5000).Order(StringComparer.Ordinal), (await TypesenseTestData.StoredIdsAsync(client, collection)).Order(StringComparer.Ordinal));
        });
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task TruncateAsync_Documents_DeletesAllKeepsCollection(string server)
    {
        using var client = servers.NewClient(server);
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            await client.ImportAsync(collection, TypesenseTestData.ProductLines(["1", "2", "3"]), ImportAction.Upsert, CancellationToken.None);

            var deleted = await client.TruncateAsync(collection, CancellationToken.None);

            Assert.Equal(3, deleted);
            Assert.Empty(await client.ExportAsync(collection, CancellationToken.None));
            Assert.NotNull(await client.GetCollectionAsync(collection, CancellationToken.None));
        });
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task SearchAsync_FilterByIds_ReturnsThoseDocuments(string server)
    {
        using var client = servers.NewClient(server);
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            await client.ImportAsync(collection, TypesenseTestData.ProductLines(["p1", "p2", "p3", "p+4"]), ImportAction.Upsert, CancellationToken.None);

            var result = await client.SearchAsync(collection, new SearchRequest { FilterBy = "id:[`p1`,`p+4`]", PerPage = 250 }, CancellationToken.None);

            Assert.Equal(2, result.Found);
            Assert.Equal(4, result.OutOf);
            Assert.Equal(["p+4", "p1"], result.Documents.Select(d => (string)d["id"]!).Order(StringComparer.Ordinal));
            Assert.Equal("product p1", (string?)result.Documents.Single(d => (string)d["id"]! == "p1")["name"]);
        });
    }
}
