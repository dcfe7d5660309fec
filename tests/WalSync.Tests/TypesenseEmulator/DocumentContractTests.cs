using System.Text.Json;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>
/// Contract of single-document endpoints, delete by filter, export and search (reference §5, §6, §7), run against
/// each server by a subclass.
/// </summary>
public abstract class DocumentContractTests : ContractTestBase
{
    private const string Json = "application/json; charset=utf-8";

    /// <summary>Runs the contract against <paramref name="endpoint"/>.</summary>
    protected DocumentContractTests(ITypesenseEndpoint endpoint)
        : base(endpoint)
    {
    }

    [ContractFact]
    public async Task PostDocument_CreateThenDuplicateOrInvalid_Returns201Then409And400Compact()
    {
        var name = await CreateProductsAsync();
        var path = $"/collections/{name}/documents";

        var created = await SendAsync(HttpMethod.Post, path, """{"title":"P","id":"p","price":1}""");
        var duplicate = await SendAsync(HttpMethod.Post, path, """{"id":"p","title":"P","price":1}""");
        var invalid = await SendAsync(HttpMethod.Post, path, """{"id":"q","title":"Q","price":"x"}""");
        var updateMissing = await SendAsync(HttpMethod.Post, path + "?action=update", """{"id":"zz","price":1}""");
        var empty = await SendAsync(HttpMethod.Post, path, string.Empty);

        Assert.Equal(new Reply(201, Json, """{"id":"p","price":1,"title":"P"}"""), created);
        Assert.Equal(new Reply(409, Json, """{"message":"A document with id p already exists."}"""), duplicate);
        Assert.Equal(new Reply(400, Json, """{"message":"Field `price` must be a float."}"""), invalid);
        Assert.Equal(new Reply(404, Json, """{"message":"Could not find a document with id: zz"}"""), updateMissing);
        Assert.Equal(new Reply(400, Json, """{"message":"Bad JSON: [json.exception.parse_error.101] parse error at line 1, column 1: attempting to parse an empty input; check that your input string or stream contains the expected JSON"}"""), empty);
    }

    [ContractFact]
    public async Task GetPatchDelete_ById_FollowTypesense()
    {
        var name = await CreateProductsAsync();
        var path = $"/collections/{name}/documents";
        await ImportAsync(name, """{"id":"p","title":"P","price":1}""");

        var get = await SendAsync(HttpMethod.Get, $"{path}/p");
        var patch = await SendAsync(HttpMethod.Patch, $"{path}/p", """{"price":2}""");
        var mismatch = await SendAsync(HttpMethod.Patch, $"{path}/p", """{"id":"other","price":2}""");
        var patchMissing = await SendAsync(HttpMethod.Patch, $"{path}/zz", """{"price":2}""");
        var delete = await SendAsync(HttpMethod.Delete, $"{path}/p");
        var deleteAgain = await SendAsync(HttpMethod.Delete, $"{path}/p");
        var ignored = await SendAsync(HttpMethod.Delete, $"{path}/p?ignore_not_found=true");
        var getMissing = await SendAsync(HttpMethod.Get, $"{path}/p");

        Assert.Equal(new Reply(200, Json, """{"id":"p","price":1,"title":"P"}"""), get);
        Assert.Equal(new Reply(200, Json, """{"id":"p","price":2,"title":"P"}"""), patch);
        Assert.Equal(new Reply(400, Json, "{\"message\": \"The `id` of the resource does not match the `id` in the JSON body.\"}"), mismatch);
        Assert.Equal(new Reply(404, Json, "{\"message\": \"Could not find a document with id: zz\"}"), patchMissing);
        Assert.Equal(new Reply(200, Json, """{"id":"p","price":2,"title":"P"}"""), delete);
        Assert.Equal(new Reply(404, Json, "{\"message\": \"Could not find a document with id: p\"}"), deleteAgain);
        Assert.Equal(new Reply(200, Json, """{"id":"p"}"""), ignored);
        Assert.Equal(404, getMissing.Status);
    }

    [ContractFact]
    public async Task GetById_PercentEncodedPath_IsDecodedAfterSplittingWithPlusAsSpace()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, """{"id":"a/b c+d","title":"T","price":1}""");

        var encoded = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/a%2Fb%20c%2Bd");
        var plus = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/a%2Fb+c%2Bd/");

        Assert.Equal(new Reply(200, Json, """{"id":"a/b c+d","price":1,"title":"T"}"""), encoded);
        Assert.Equal(encoded, plus);
    }

    [ContractFact]
    public async Task Documents_MissingCollection_Return404CollectionNotFound()
    {
        var name = NewName();

        var get = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/a");
        var post = await SendAsync(HttpMethod.Post, $"/collections/{name}/documents", "{}");
        var delete = await SendAsync(HttpMethod.Delete, $"/collections/{name}/documents?filter_by=id:a");

        Assert.Equal(new Reply(404, Json, "{\"message\": \"Collection not found\"}"), get);
        Assert.Equal(new Reply(404, Json, "{\"message\": \"Collection not found\"}"), post);
        Assert.Equal(new Reply(404, "application/json", "{\"message\": \"Collection not found\"}"), delete);
    }

    [ContractFact]
    public async Task DeleteByFilter_IdGrammar_DeletesExactlyTheNamedDocuments()
    {
        var name = await CreateProductsAsync();
        var ids = new[] { "a", "b", "c,1", "d", "e", "f", "g", "h" };
        await ImportAsync(name, string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","title":"t","price":1}""")));
        var path = $"/collections/{name}/documents?filter_by=";

        var list = await SendAsync(HttpMethod.Delete, path + Uri.EscapeDataString("id:[a,b,nope]"));
        var backticks = await SendAsync(HttpMethod.Delete, path + Uri.EscapeDataString("id:[`c,1`]"));
        var trimmed = await SendAsync(HttpMethod.Delete, path + Uri.EscapeDataString("id: [ d ,  e ]"));
        var equals = await SendAsync(HttpMethod.Delete, path + Uri.EscapeDataString("id:=f"));
        var none = await SendAsync(HttpMethod.Delete, path + Uri.EscapeDataString("id:[nope]"));
        var rest = await SendAsync(HttpMethod.Delete, path + Uri.EscapeDataString("id:*"));

        Assert.Equal(new Reply(200, "application/json", "{\"num_deleted\":2}"), list);
        Assert.Equal("{\"num_deleted\":1}", backticks.Body);
        Assert.Equal("{\"num_deleted\":2}", trimmed.Body);
        Assert.Equal("{\"num_deleted\":1}", equals.Body);
        Assert.Equal("{\"num_deleted\":0}", none.Body);
        Assert.Equal("{\"num_deleted\":2}", rest.Body);
    }

    [ContractFact]
    public async Task DeleteByFilter_ErrorsAndTruncate_FollowTypesense()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, "{\"id\":\"a\",\"title\":\"t\",\"price\":1}\n{\"id\":\"b\",\"title\":\"t\",\"price\":20}");
        var path = $"/collections/{name}/documents";

        var missing = await SendAsync(HttpMethod.Delete, path);
        var unknown = await SendAsync(HttpMethod.Delete, path + "?filter_by=foo:1");
        var empty = await SendAsync(HttpMethod.Delete, path + "?filter_by=id:");
        var byPrice = await SendAsync(HttpMethod.Delete, path + "?filter_by=" + Uri.EscapeDataString("price:>10"));
        var truncate = await SendAsync(HttpMethod.Delete, path + "?truncate=true");
        var collection = await SendAsync(HttpMethod.Get, $"/collections/{name}");

        const string Plain = "application/json";
        Assert.Equal(new Reply(400, Plain, "{\"message\": \"Parameter `filter_by` must be provided.\"}"), missing);
        Assert.Equal(new Reply(400, Plain, "{\"message\": \"Could not find a filter field named `foo` in the schema.\"}"), unknown);
        Assert.Equal(new Reply(400, Plain, "{\"message\": \"Error with filter field `id`: Filter value cannot be empty.\"}"), empty);
        Assert.Equal("{\"num_deleted\":1}", byPrice.Body);
        Assert.Equal(new Reply(200, Plain, "{\"num_deleted\":1}"), truncate);
        Assert.Contains("\"num_documents\":0", collection.Body, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task UpdateByFilter_MatchingDocuments_AreMergedAndCounted()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, "{\"id\":\"a\",\"title\":\"t\",\"price\":1}\n{\"id\":\"b\",\"title\":\"t\",\"price\":20}");
        var path = $"/collections/{name}/documents";

        var updated = await SendAsync(HttpMethod.Patch, path + "?filter_by=" + Uri.EscapeDataString("price:>10"), """{"count":5}""");
        var missing = await SendAsync(HttpMethod.Patch, path, """{"count":5}""");
        var b = await SendAsync(HttpMethod.Get, $"{path}/b");
        var a = await SendAsync(HttpMethod.Get, $"{path}/a");

        Assert.Equal(new Reply(200, Json, "{\"num_updated\":1}"), updated);
        Assert.Equal(new Reply(400, Json, "{\"message\": \"Parameter `filter_by` must be provided.\"}"), missing);
        Assert.Equal("""{"count":5,"id":"b","price":20,"title":"t"}""", b.Body);
        Assert.Equal("""{"id":"a","price":1,"title":"t"}""", a.Body);
    }

    [ContractFact]
    public async Task Export_AllOrFiltered_ReturnsJsonLinesInInsertionOrder()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, "{\"id\":\"b\",\"title\":\"B\",\"price\":2}\n{\"id\":\"a\",\"title\":\"A\",\"price\":1}");

        var all = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/export");
        var filtered = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/export?filter_by=id:a");

        Assert.Equal(new Reply(200, "text/plain; charset=utf-8", "{\"id\":\"b\",\"price\":2,\"title\":\"B\"}\n{\"id\":\"a\",\"price\":1,\"title\":\"A\"}"), all);
        Assert.Equal("{\"id\":\"a\",\"price\":1,\"title\":\"A\"}", filtered.Body);
    }

    [ContractFact]
    public async Task Search_WildcardWithIdFilter_ReturnsFoundAndDocuments()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, "{\"id\":\"a\",\"title\":\"Red shoe\",\"price\":3,\"count\":1}\n{\"id\":\"b\",\"title\":\"Blue shoe\",\"price\":1,\"count\":9}\n{\"id\":\"c\",\"title\":\"Hat\",\"price\":2,\"count\":2}");

        var byId = await SearchAsync(name, "q=*&filter_by=" + Uri.EscapeDataString("id:[`a`,`b`,`zz`]") + "&per_page=250");
        var text = await SearchAsync(name, "q=shoe&query_by=title&sort_by=price:asc");
        var numeric = await SearchAsync(name, "q=*&filter_by=" + Uri.EscapeDataString("price:>=2 && count:<5"));

        Assert.Equal(2, byId.GetProperty("found").GetInt32());
        Assert.Equal(3, byId.GetProperty("out_of").GetInt32());
        Assert.Equal(1, byId.GetProperty("page").GetInt32());
        Assert.Equal(name, byId.GetProperty("request_params").GetProperty("collection_name").GetString());
        Assert.Equal(["a", "b"], Ids(byId).Order());
        Assert.Equal(["b", "a"], Ids(text));
        Assert.Equal(["a", "c"], Ids(numeric).Order());
    }

    [ContractFact]
    public async Task Search_InvalidRequests_ReturnCompactErrors()
    {
        var name = await CreateProductsAsync();

        var perPage = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/search?q=*&per_page=251");
        var noQ = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/search");
        var missing = await SendAsync(HttpMethod.Get, $"/collections/{NewName()}/documents/search?q=*");

        Assert.Equal(new Reply(422, Json, "{\"message\":\"Only upto 250 hits can be fetched per page.\"}"), perPage);
        Assert.Equal(new Reply(400, Json, "{\"message\":\"Parameter `q` is required.\"}"), noQ);
        Assert.Equal(new Reply(404, Json, "{\"message\":\"Collection not found\"}"), missing);
    }

    private async Task<JsonElement> SearchAsync(string collection, string query)
    {
        var reply = await SendAsync(HttpMethod.Get, $"/collections/{collection}/documents/search?{query}");
        Assert.Equal(200, reply.Status);
        using var document = JsonDocument.Parse(reply.Body);
        return document.RootElement.Clone();
    }

    private static List<string> Ids(JsonElement result) =>
        [.. result.GetProperty("hits").EnumerateArray().Select(hit => hit.GetProperty("document").GetProperty("id").GetString()!)];
}
