using WalSync.Sink;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class TypesenseClientCollectionTests(TypesenseServers servers) : IClassFixture<TypesenseServers>
{
    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task CreateCollectionAsync_NewThenSame_ReadsBackThenThrows409(string server)
    {
        using var client = servers.NewClient(server);
        var name = TypesenseTestData.NewCollectionName() + " odd/name+";
        await client.CreateCollectionAsync(TypesenseTestData.Products(name), CancellationToken.None);
        try
        {
            var schema = await client.GetCollectionAsync(name, CancellationToken.None);
            var again = await Assert.ThrowsAsync<TypesenseException>(() => client.CreateCollectionAsync(TypesenseTestData.Products(name), CancellationToken.None));

            Assert.NotNull(schema);
            Assert.Equal(name, schema.Name);
            Assert.Equal(["name", "price", "tags"], schema.Fields.Select(f => f.Name));
            Assert.Equal(["string", "float", "string[]"], schema.Fields.Select(f => f.Type));
            Assert.True(schema.Fields[2].Optional && schema.Fields[2].Facet);
            Assert.Equal(409, again.StatusCode);
            Assert.Contains("already exists", again.Message, StringComparison.Ordinal);
        }
        finally
        {
            await client.DeleteCollectionAsync(name, CancellationToken.None);
        }

        Assert.Null(await client.GetCollectionAsync(name, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task UpdateCollectionFieldsAsync_AddThenDrop_ChangesSchema(string server)
    {
        using var client = servers.NewClient(server);
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            await client.UpdateCollectionFieldsAsync(collection, [new FieldSchema { Name = "stock", Type = "int32", Optional = true }], CancellationToken.None);
            var added = await client.GetCollectionAsync(collection, CancellationToken.None);
            await client.UpdateCollectionFieldsAsync(collection, [new FieldSchema { Name = "tags", Type = "string[]", Drop = true }], CancellationToken.None);
            var dropped = await client.GetCollectionAsync(collection, CancellationToken.None);

            Assert.Contains(added!.Fields, f => f.Name == "stock" && f.Type == "int32" && f.Optional);
            Assert.Equal(["name", "price", "stock"], dropped!.Fields.Select(f => f.Name));
        });
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task ListCollectionsAndAliases_OneRequestEach_TheCatalogAnswersAsTheSingleReadsDo(string server)
    {
        using var client = servers.NewClient(server);
        var alias = TypesenseTestData.NewCollectionName();
        var plain = TypesenseTestData.NewCollectionName();
        await TypesenseTestData.WithProductsAsync(client, async collection =>
        {
            await client.CreateCollectionAsync(TypesenseTestData.Products(plain), CancellationToken.None);
            await client.UpsertAliasAsync(alias, collection, CancellationToken.None);
            try
            {
                var collections = await client.ListCollectionsAsync(CancellationToken.None);
                var aliases = await client.ListAliasesAsync(CancellationToken.None);
                var catalog = (await CollectionCatalog.TryLoadAsync(client, CancellationToken.None))!;

                Assert.Equal(["name", "price", "tags"], collections.Single(c => c.Name == collection).Fields.Select(f => f.Name));
                Assert.Equal(collection, aliases[alias]);
                Assert.Equal((collection, false), await catalog.ResolveAsync(alias, CancellationToken.None));
                Assert.Equal((plain, true), await catalog.ResolveAsync(plain, CancellationToken.None));
                Assert.Equal((null, false), await catalog.ResolveAsync(TypesenseTestData.NewCollectionName(), CancellationToken.None));
                foreach (var name in (string[])[alias, plain, collection])
                {
                    Assert.Equal((await client.GetCollectionAsync(name, CancellationToken.None))!.Name, (await catalog.CollectionAsync(name, CancellationToken.None))!.Name);
                }
                Assert.Null(await catalog.CollectionAsync(TypesenseTestData.NewCollectionName(), CancellationToken.None));
            }
            finally
            {
                var options = servers.Options(server);
                using var http = new HttpClient();
                using var delete = new HttpRequestMessage(HttpMethod.Delete, $"{options.Nodes[0].TrimEnd('/')}/aliases/{Uri.EscapeDataString(alias)}");
                delete.Headers.Add("X-TYPESENSE-API-KEY", options.ApiKey);
                (await http.SendAsync(delete)).EnsureSuccessStatusCode();
                await client.DeleteCollectionAsync(plain, CancellationToken.None);
            }
        });
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task CollectionCatalog_ListsRefused_NullSoStartUpAsksForEachCollection(string server)
    {
        // A key without collections:list or aliases:list is refused like a wrong key: 401.
        var options = servers.Options(server);
        options.ApiKey = "not-" + options.ApiKey;
        options.MaxRetries = 0;
        using var client = new TypesenseClient(options, new CapturingLogger<TypesenseClient>());

        Assert.Equal(401, (await Assert.ThrowsAsync<TypesenseException>(() => client.ListAliasesAsync(CancellationToken.None))).StatusCode);
        Assert.Null(await CollectionCatalog.TryLoadAsync(client, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task DeleteCollectionAsync_Missing_Throws404(string server)
    {
        using var client = servers.NewClient(server);

        var ex = await Assert.ThrowsAsync<TypesenseException>(() => client.DeleteCollectionAsync(TypesenseTestData.NewCollectionName(), CancellationToken.None));

        Assert.Equal(404, ex.StatusCode);
    }

    [Theory]
    [MemberData(nameof(TypesenseServers.Available), MemberType = typeof(TypesenseServers))]
    public async Task IsHealthyAsync_ServerUp_True(string server)
    {
        using var client = servers.NewClient(server);

        Assert.True(await client.IsHealthyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task IsHealthyAsync_OnlyClosedPort_False()
    {
        using var client = new TypesenseClient(TestOptions.For("key", TestOptions.ClosedPortUrl()), new CapturingLogger<TypesenseClient>());

        Assert.False(await client.IsHealthyAsync(CancellationToken.None));
    }
}
