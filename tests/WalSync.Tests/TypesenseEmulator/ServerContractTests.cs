namespace WalSync.Tests.TypesenseEmulator;

/// <summary>
/// Contract of the request pipeline, collections and aliases (reference §1, §2, §3, §8, §9), run against each
/// server by a subclass.
/// </summary>
public abstract class ServerContractTests : ContractTestBase
{
    private const string Json = "application/json; charset=utf-8";
    private const string Forbidden = "{\"message\": \"Forbidden - a valid `x-typesense-api-key` header must be sent.\"}";

    /// <summary>Runs the contract against <paramref name="endpoint"/>.</summary>
    protected ServerContractTests(ITypesenseEndpoint endpoint)
        : base(endpoint)
    {
    }

    [ContractFact]
    public async Task Health_WithoutKey_Returns200Ok()
    {
        var reply = await SendAsync(HttpMethod.Get, "/health", apiKey: string.Empty);

        Assert.Equal(new Reply(200, Json, "{\"ok\":true}"), reply);
    }

    [ContractFact]
    public async Task PostHealth_WithoutKey_Returns401()
    {
        var reply = await SendAsync(HttpMethod.Post, "/health", string.Empty, apiKey: string.Empty);

        Assert.Equal(new Reply(401, Json, Forbidden), reply);
    }

    [ContractFact]
    public async Task UnknownRoute_WithBadKey_Returns404LiteralBeforeAuth()
    {
        var reply = await SendAsync(HttpMethod.Get, "/no/such/route", apiKey: "wrong");

        Assert.Equal(new Reply(404, Json, "{ \"message\": \"Not Found\"}"), reply);
    }

    [ContractFact]
    public async Task Collections_WithoutOrWithWrongKey_Returns401()
    {
        var missing = await SendAsync(HttpMethod.Get, "/collections", apiKey: string.Empty);
        var wrong = await SendAsync(HttpMethod.Get, "/collections", apiKey: "wrong");

        Assert.Equal(new Reply(401, Json, Forbidden), missing);
        Assert.Equal(new Reply(401, Json, Forbidden), wrong);
    }

    [ContractFact]
    public async Task ApiKey_LowercaseHeaderOrQueryParameter_IsAccepted()
    {
        var header = await SendAsync(HttpMethod.Get, "/collections", header: "x-typesense-api-key");
        var query = await SendAsync(HttpMethod.Get, $"/collections?x-typesense-api-key={Endpoint.ApiKey}", apiKey: string.Empty);

        Assert.Equal(200, header.Status);
        Assert.Equal(200, query.Status);
    }

    [ContractFact]
    public async Task CreateCollection_Valid_Returns201SummaryWithDefaults()
    {
        var name = NewName();

        var reply = await SendAsync(HttpMethod.Post, "/collections", $$"""{"name":"{{name}}","fields":{{ProductFields}}}""");

        Assert.Equal(201, reply.Status);
        Assert.Equal(Json, reply.ContentType);
        Assert.Contains("\"default_sorting_field\":\"\",\"enable_nested_fields\":false,\"fields\":[{\"facet\":false,\"index\":true,\"infix\":false,\"locale\":\"\",\"name\":\"title\",\"optional\":false,\"sort\":false,\"stem\":false,\"stem_dictionary\":\"\",\"store\":true,\"type\":\"string\"},{\"facet\":false,\"index\":true,\"infix\":false,\"locale\":\"\",\"name\":\"price\",\"optional\":false,\"sort\":true,", reply.Body, StringComparison.Ordinal);
        Assert.EndsWith($"\"name\":\"{name}\",\"num_documents\":0,\"symbols_to_index\":[],\"token_separators\":[]}}", reply.Body, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task CreateCollection_ExistingName_Returns409EvenWithBadSchema()
    {
        var name = await CreateProductsAsync();

        var reply = await SendAsync(HttpMethod.Post, "/collections", $$"""{"name":"{{name}}","fields":[{"name":"x","type":"nonsense"}]}""");

        Assert.Equal(new Reply(409, Json, $"{{\"message\": \"A collection with name `{name}` already exists.\"}}"), reply);
    }

    [ContractFact]
    public async Task CreateCollection_InvalidBodies_Return400WithTypesenseMessages()
    {
        var name = NewName();
        (string Body, string Message)[] cases =
        [
            ("{", "Bad JSON."),
            ("""{"fields":[]}""", "Parameter `name` is required."),
            ($$"""{"name":"{{name}}"}""", "Parameter `fields` is required."),
            ($$"""{"name":"{{name}}","fields":[]}""", "The `fields` value should be an array of objects containing `name`, `type` and optionally, `facet` properties."),
            ($$"""{"name":"{{name}}","fields":[{"name":"x","type":"nonsense"}]}""", "Field `x` has an invalid data type `nonsense`, see docs for supported data types."),
            ($$"""{"name":"{{name}}","fields":[{"name":"x","type":"object"}]}""", "Type `object` or `object[]` can be used only when nested fields are enabled by setting` enable_nested_fields` to true."),
            ($$"""{"name":"{{name}}","fields":[{"name":"x","type":"int32"}],"default_sorting_field":"y"}""", "Default sorting field is defined as `y` but is not found in the schema."),
            ($$"""{"name":"{{name}}","fields":[{"name":"x","type":"int32","optional":true}],"default_sorting_field":"x"}""", "Default sorting field `x` cannot be an optional field."),
            ($$"""{"name":"{{name}}","fields":[{"name":"x","type":"int32","facet":"yes"}]}""", "The `facet` property of the field `x` should be a boolean."),
        ];

        foreach (var (body, message) in cases)
        {
            var reply = await SendAsync(HttpMethod.Post, "/collections", body);
            Assert.Equal(new Reply(400, Json, $"{{\"message\": \"{message}\"}}"), reply);
        }
    }

    [ContractFact]
    public async Task GetAndDeleteCollection_Missing_Return404Messages()
    {
        var name = NewName();

        var get = await SendAsync(HttpMethod.Get, $"/collections/{name}");
        var delete = await SendAsync(HttpMethod.Delete, $"/collections/{name}");

        Assert.Equal(new Reply(404, Json, "{\"message\": \"Collection not found\"}"), get);
        Assert.Equal(new Reply(404, Json, $"{{\"message\": \"No collection with name `{name}` found.\"}}"), delete);
    }

    [ContractFact]
    public async Task DeleteCollection_Existing_Returns200SummaryAndIsGone()
    {
        var name = await CreateProductsAsync();

        var delete = await SendAsync(HttpMethod.Delete, $"/collections/{name}");
        var get = await SendAsync(HttpMethod.Get, $"/collections/{name}");

        Assert.Equal(200, delete.Status);
        Assert.Contains($"\"name\":\"{name}\"", delete.Body, StringComparison.Ordinal);
        Assert.Equal(404, get.Status);
    }

    [ContractFact]
    public async Task PatchCollection_AddThenDropField_Returns200AndChangesSchema()
    {
        var name = await CreateProductsAsync();

        var add = await SendAsync(HttpMethod.Patch, $"/collections/{name}", """{"fields":[{"name":"brand","type":"string","optional":true}]}""");
        var afterAdd = await SendAsync(HttpMethod.Get, $"/collections/{name}");
        var drop = await SendAsync(HttpMethod.Patch, $"/collections/{name}", """{"fields":[{"name":"brand","drop":true}]}""");
        var afterDrop = await SendAsync(HttpMethod.Get, $"/collections/{name}");

        Assert.Equal(200, add.Status);
        Assert.Contains("\"name\":\"brand\",\"optional\":true", add.Body, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"brand\"", afterAdd.Body, StringComparison.Ordinal);
        Assert.Equal(new Reply(200, Json, """{"fields":[{"drop":true,"name":"brand"}]}"""), drop);
        Assert.DoesNotContain("\"name\":\"brand\"", afterDrop.Body, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task PatchCollection_InvalidChanges_Return400WithTypesenseMessages()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, """{"id":"1","title":"t","price":1}""");
        (string Body, string Message)[] cases =
        [
            ("{}", "Alter payload is empty."),
            ("""{"name":"x"}""", "Only `fields` and `metadata` can be updated at the moment."),
            ("""{"fields":[{"name":"id","drop":true}]}""", "Field `id` cannot be altered."),
            ("""{"fields":[{"name":"nope","drop":true}]}""", "Field `nope` is not part of collection schema."),
            ("""{"fields":[{"name":"title","type":"string"}]}""", "Field `title` is already part of the schema: To change this field, drop it first before adding it back to the schema."),
            ("""{"fields":[{"name":"stock","type":"int32"}]}""", "Field `stock` has been declared in the schema, but is not found in the documents already present in the collection. If you still want to add this field, set it as `optional: true`."),
        ];

        foreach (var (body, message) in cases)
        {
            var reply = await SendAsync(HttpMethod.Patch, $"/collections/{name}", body);
            Assert.Equal(new Reply(400, Json, $"{{\"message\": \"{message}\"}}"), reply);
        }
    }

    [ContractFact]
    public async Task Aliases_UpsertGetListDelete_FollowTypesense()
    {
        var name = await CreateProductsAsync();
        var alias = NewName();

        var put = await SendAsync(HttpMethod.Put, $"/aliases/{alias}", $$"""{"collection_name":"{{name}}"}""");
        var get = await SendAsync(HttpMethod.Get, $"/aliases/{alias}");
        var list = await SendAsync(HttpMethod.Get, "/aliases");
        var collection = await SendAsync(HttpMethod.Get, $"/collections/{alias}");
        var import = await ImportAsync(alias, """{"id":"1","title":"t","price":1}""");
        var delete = await SendAsync(HttpMethod.Delete, $"/aliases/{alias}");
        var gone = await SendAsync(HttpMethod.Get, $"/aliases/{alias}");

        var expected = $$"""{"collection_name":"{{name}}","name":"{{alias}}"}""";
        Assert.Equal(new Reply(200, Json, expected), put);
        Assert.Equal(new Reply(200, Json, expected), get);
        Assert.Contains(expected, list.Body, StringComparison.Ordinal);
        Assert.Contains($"\"name\":\"{name}\",\"num_documents\":0", collection.Body, StringComparison.Ordinal);
        Assert.Equal("{\"success\":true}", import.Body);
        Assert.Equal(new Reply(200, Json, expected), delete);
        Assert.Equal(new Reply(404, Json, "{\"message\": \"Collection not found\"}"), gone);
    }

    [ContractFact]
    public async Task Alias_NamedLikeACollection_Returns500()
    {
        var name = await CreateProductsAsync();

        var reply = await SendAsync(HttpMethod.Put, $"/aliases/{name}", $$"""{"collection_name":"{{name}}"}""");

        Assert.Equal(new Reply(500, Json, $"{{\"message\": \"Name `{name}` conflicts with an existing collection name.\"}}"), reply);
    }
}
