using System.IO.Compression;
using System.Text;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Contract of <c>POST …/documents/import</c> (reference §4), run against each server by a subclass.</summary>
public abstract class ImportContractTests : ContractTestBase
{
    private const string Text = "text/plain; charset=utf-8";

    /// <summary>Runs the contract against <paramref name="endpoint"/>.</summary>
    protected ImportContractTests(ITypesenseEndpoint endpoint)
        : base(endpoint)
    {
    }

    [ContractFact]
    public async Task Import_MixedLines_Returns200WithOneExactResultPerNonEmptyLine()
    {
        var name = await CreateProductsAsync();
        var body = string.Join('\n',
            """{"id":"a","title":"A","price":1.5}""",
            string.Empty,
            """{"id":"b","title":"B"}""",
            """{"id":"c","title":"C","price":"x"}""",
            """{"id":1,"title":"D","price":1}""",
            """{"id":"","title":"E","price":1}""",
            "{",
            "[]",
            """{"id":"f","title":"F","price":2,"count":"7"}""",
            """{"id":"g","title":"G","price":2,"tags":"solo"}""",
            """{"id":"h","title":"H","price":2,"tags":["x",1]}""",
            """{"id":"i","title":"I","price":2,"active":"yes"}""",
            """{"id":"j","title":"J","price":2,"updated_at":1.5}""") + "\n";

        var reply = await ImportAsync(name, body);

        var expected = string.Join('\n',
            """{"success":true}""",
            """{"code":400,"error":"Field `price` has been declared in the schema, but is not found in the document.","success":false}""",
            """{"code":400,"error":"Field `price` must be a float.","success":false}""",
            """{"code":400,"error":"Document's `id` field should be a string.","success":false}""",
            """{"code":400,"error":"The `id` should not be empty.","success":false}""",
            """{"code":400,"error":"Bad JSON: [json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing object key - unexpected end of input; expected string literal","success":false}""",
            """{"code":400,"error":"Bad JSON: not a properly formed document.","success":false}""",
            """{"code":400,"error":"Field `count` must be an int32.","success":false}""",
            """{"code":400,"error":"Field `tags` must be an array.","success":false}""",
            """{"code":400,"error":"Field `tags` must be an array of string.","success":false}""",
            """{"code":400,"error":"Field `active` must be a bool.","success":false}""",
            """{"code":400,"error":"Field `updated_at` must be an int64.","success":false}""");
        Assert.Equal(new Reply(200, Text, expected), reply);
    }

    [ContractFact]
    public async Task Import_BadLiteral_ReportsNlohmannPositionAndLastRead()
    {
        var name = await CreateProductsAsync();

        var reply = await ImportAsync(name, """{"name": "x", "age": a}""");

        Assert.Equal(
            """{"code":400,"error":"Bad JSON: [json.exception.parse_error.101] parse error at line 1, column 22: syntax error while parsing value - invalid literal; last read: '\"age\": a'","success":false}""",
            reply.Body);
    }

    [ContractFact]
    public async Task Import_GzipBodyWithoutContentEncoding_IsDecompressed()
    {
        var name = await CreateProductsAsync();
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes("{\"id\":\"a\",\"title\":\"A\",\"price\":1}\n{\"id\":\"b\",\"title\":\"B\",\"price\":2}"));
        }

        var reply = await SendBytesAsync(HttpMethod.Post, $"/collections/{name}/documents/import?action=upsert", compressed.ToArray());
        var stored = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/b");

        Assert.Equal("{\"success\":true}\n{\"success\":true}", reply.Body);
        Assert.Equal("{\"id\":\"b\",\"price\":2,\"title\":\"B\"}", stored.Body);
    }

    [ContractFact]
    public async Task Import_CrLfAndWhitespaceLines_CrLfWorksWhitespaceIsBadJson()
    {
        var name = await CreateProductsAsync();

        var reply = await ImportAsync(name, "{\"id\":\"a\",\"title\":\"A\",\"price\":1}\r\n \r\n");

        Assert.Equal(
            "{\"success\":true}\n{\"code\":400,\"error\":\"Bad JSON: [json.exception.parse_error.101] parse error at line 1, column 3: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal\",\"success\":false}",
            reply.Body);
    }

    [ContractFact]
    public async Task Import_NumberOverflowAndLoneSurrogate_AreBadJson()
    {
        var name = await CreateProductsAsync();
        var huge = new string('9', 400);

        var reply = await ImportAsync(name, string.Join('\n',
            """{"id":"a","title":"t","price":1e999}""",
            $$"""{"id":"b","title":"t","price":{{huge}}}""",
            """{"id":"c","title":"t\ud800","price":1}"""));

        Assert.Equal(string.Join('\n',
            """{"code":400,"error":"Bad JSON: [json.exception.out_of_range.406] number overflow parsing '1e999'","success":false}""",
            $$"""{"code":400,"error":"Bad JSON: [json.exception.out_of_range.406] number overflow parsing '{{huge}}'","success":false}""",
            """{"code":400,"error":"Bad JSON: [json.exception.parse_error.101] parse error at line 1, column 27: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: '\"t\\ud800\"'","success":false}"""),
            reply.Body);
    }

    [ContractFact]
    public async Task Import_EmptyBody_Returns200WithEmptyBody()
    {
        var name = await CreateProductsAsync();

        var reply = await ImportAsync(name, string.Empty);

        Assert.Equal(new Reply(200, Text, string.Empty), reply);
    }

    [ContractFact]
    public async Task Import_CreateExistingAndUpdateMissing_Return409And404WithIds()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, """{"id":"a","title":"A","price":1}""");

        var create = await ImportAsync(name, """{"id":"a","title":"A","price":1}""", "action=create&return_id=true");
        var update = await ImportAsync(name, "{\"id\":\"zz\",\"price\":3}\n{\"price\":3}", "action=update&return_id=true");

        Assert.Equal("""{"code":409,"error":"A document with id a already exists.","id":"a","success":false}""", create.Body);
        Assert.Equal(
            "{\"code\":404,\"error\":\"Could not find a document with id: zz\",\"id\":\"zz\",\"success\":false}\n"
            + "{\"code\":400,\"error\":\"For update, the `id` key must be provided.\",\"success\":false}",
            update.Body);
    }

    [ContractFact]
    public async Task Import_ReturnDoc_IncludesStoredDocumentOrRawLine()
    {
        var name = await CreateProductsAsync();
        const string Bad = """{"id":"c","title":"C","price":"x"}""";

        var reply = await ImportAsync(name, """{"title":"A","id":"a","price":1.5}""" + "\n" + Bad, "action=upsert&return_doc=true&return_id=true");

        Assert.Equal(
            "{\"document\":{\"id\":\"a\",\"price\":1.5,\"title\":\"A\"},\"id\":\"a\",\"success\":true}\n"
            + "{\"code\":400,\"document\":\"{\\\"id\\\":\\\"c\\\",\\\"title\\\":\\\"C\\\",\\\"price\\\":\\\"x\\\"}\",\"error\":\"Field `price` must be a float.\",\"id\":\"c\",\"success\":false}",
            reply.Body);
    }

    [ContractFact]
    public async Task Import_UpsertReplacesUpdateMergesAndNullRemoves()
    {
        var name = await CreateProductsAsync();
        await ImportAsync(name, """{"id":"a","title":"A","price":1,"count":3,"tags":["x"]}""");
        await ImportAsync(name, """{"id":"a","title":"B","price":2,"count":4}""");
        var afterUpsert = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/a");

        await ImportAsync(name, """{"id":"a","count":null,"price":3}""", "action=update");
        var afterUpdate = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/a");

        Assert.Equal("""{"count":4,"id":"a","price":2,"title":"B"}""", afterUpsert.Body);
        Assert.Equal("""{"id":"a","price":3,"title":"B"}""", afterUpdate.Body);
    }

    [ContractFact]
    public async Task Import_Emplace_CreatesThenMerges()
    {
        var name = await CreateProductsAsync();

        var first = await ImportAsync(name, """{"id":"e","title":"E","price":1}""", "action=emplace");
        var second = await ImportAsync(name, """{"id":"e","price":5}""", "action=emplace");
        var stored = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/e");

        Assert.Equal("{\"success\":true}", first.Body);
        Assert.Equal("{\"success\":true}", second.Body);
        Assert.Equal("""{"id":"e","price":5,"title":"E"}""", stored.Body);
    }

    [ContractFact]
    public async Task Import_CoerceOrReject_StoresCoercedValues()
    {
        var name = await CreateProductsAsync();

        var reply = await ImportAsync(name, """{"id":"a","title":5,"price":"12.5","count":"7","active":"TRUE"}""", "action=upsert&dirty_values=coerce_or_reject");
        var stored = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/a");

        Assert.Equal("{\"success\":true}", reply.Body);
        Assert.Equal("""{"active":true,"count":7,"id":"a","price":12.5,"title":"5"}""", stored.Body);
    }

    [ContractFact]
    public async Task Import_KeysAndStrings_AreStoredSortedAndEscapedLikeNlohmann()
    {
        var name = await CreateProductsAsync();

        await ImportAsync(name, """{"z":1,"id":"u","title":"é \"q\" \u0001 / <>","price":10.0,"extra":{"b":2,"a":[1e2,-0]}}""");
        var stored = await SendAsync(HttpMethod.Get, $"/collections/{name}/documents/u");

        Assert.Equal("""{"extra":{"a":[100.0,0],"b":2},"id":"u","price":10.0,"title":"é \"q\" \u0001 / <>","z":1}""", stored.Body);
    }

    [ContractFact]
    public async Task Import_InvalidParametersOrMissingCollection_ReturnJsonErrors()
    {
        var name = await CreateProductsAsync();
        const string Json = "application/json; charset=utf-8";

        var action = await ImportAsync(name, "{}", "action=replace");
        var batch = await ImportAsync(name, "{}", "batch_size=0");
        var returnId = await ImportAsync(name, "{}", "return_id=yes");
        var missing = await ImportAsync(NewName(), "{}");

        Assert.Equal(new Reply(400, Json, "{\"message\": \"Parameter `action` must be a create|update|upsert.\"}"), action);
        Assert.Equal(new Reply(400, Json, "{\"message\": \"Parameter `batch_size` must be a positive integer.\"}"), batch);
        Assert.Equal(new Reply(400, Json, "{\"message\": \"Parameter `return_id` must be a true|false.\"}"), returnId);
        Assert.Equal(new Reply(404, Json, "{\"message\": \"Collection not found\"}"), missing);
    }

    [ContractFact]
    public async Task Import_AutoSchema_DetectsFieldTypes()
    {
        var name = NewName();
        await SendAsync(HttpMethod.Post, "/collections", $$"""{"name":"{{name}}","fields":[{"name":".*","type":"auto"}]}""");

        var reply = await ImportAsync(name, """{"id":"1","n":1,"s":"x","f":1.5,"b":true,"l":["a"]}""");
        var schema = await SendAsync(HttpMethod.Get, $"/collections/{name}");

        Assert.Equal("{\"success\":true}", reply.Body);
        Assert.Contains("\"name\":\"n\",\"optional\":true,\"sort\":true,\"stem\":false,\"stem_dictionary\":\"\",\"store\":true,\"type\":\"int64\"", schema.Body, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"l\",\"optional\":true,\"sort\":false,\"stem\":false,\"stem_dictionary\":\"\",\"store\":true,\"type\":\"string[]\"", schema.Body, StringComparison.Ordinal);
    }
}
