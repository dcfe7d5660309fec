using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WalSync.LoadHarness;

/// <summary>
/// A Typesense stand-in that accepts everything at once, so that a run against it measures WalSync's own cost:
/// an import is answered <c>{"success":true}</c> for each non-empty line without parsing the documents; collections
/// and aliases are kept as posted; a collection's <c>num_documents</c> is the number of lines imported into it (rows
/// that are only inserted: each is imported once); deletes report the ids they name as deleted.
/// </summary>
/// <remarks>Answers follow https://typesense.org/docs/29.0/api/documents.html (import: one result per line, joined by '\n')
/// and https://typesense.org/docs/29.0/api/collection-alias.html (an alias stands for its collection in every path).</remarks>
internal sealed class NullTypesense : IAsyncDisposable
{
    private static readonly byte[] Success = "{\"success\":true}"u8.ToArray();
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _collections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _aliases = new(StringComparer.Ordinal);

    /// <summary>Import lines received per collection (its own name, not an alias's).</summary>
    private readonly ConcurrentDictionary<string, StrongBox<long>> _imported = new(StringComparer.Ordinal);
    private readonly TimeSpan _importLatency;
    private long _documents;
    private static int _warmedUp;

    private NullTypesense(WebApplication app, TimeSpan importLatency)
    {
        _app = app;
        _importLatency = importLatency;
    }

    /// <summary>Base address.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Import lines received so far.</summary>
    public long DocumentsReceived => Interlocked.Read(ref _documents);

    /// <summary>Starts the server on a free port of 127.0.0.1.</summary>
    /// <param name="importLatency">How long each import waits, once its body is read, before it is answered: a server
    /// across a network, or one that takes time to index (zero: at once).</param>
    public static async Task<NullTypesense> StartAsync(TimeSpan importLatency = default)
    {
        // The harness is JIT-compiled: the first requests a sink answers compile its code, which would be counted in the
        // start-up of the first walsync run (about 80 ms of the backfill workload's first run). A throwaway sink takes them.
        if (Interlocked.Exchange(ref _warmedUp, 1) == 0)
        {
            await using var scratch = await StartAsync();
            await scratch.WarmUpAsync();
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // It shares the two cores with walsync and PostgreSQL, so it should cost little: Kestrel's default is a zero-byte
        // read before each 4 KB receive and a thread-pool hop per read, about 1.2 µs a backfilled row; with inline
        // scheduling and 256 KB receives, about 0.3 µs (benchmarks/README.md).
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.UnsafePreferInlineScheduling = true;
            sockets.WaitForDataBeforeAllocatingBuffer = false;
        });
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            // Deletes by filter put up to 64 KiB of ids in the query; Typesense takes request lines of 417,792 bytes.
            kestrel.Limits.MaxRequestLineSize = 417_792;
            kestrel.Limits.MaxRequestHeadersTotalSize = 417_792;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var server = new NullTypesense(app, importLatency);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return server;
    }

    /// <summary>Sends one request of every kind walsync sends.</summary>
    private async Task WarmUpAsync()
    {
        using var client = new HttpClient { BaseAddress = Url };
        string[] steps =
        [
            "GET health", "GET collections/warm", "POST collections {\"name\":\"warm\"}", "PUT aliases/alias {\"collection_name\":\"warm\"}",
            "GET aliases/alias", "GET aliases", "GET collections", "PATCH collections/warm {}", "POST collections/alias/documents/import {\"id\":\"a\"}",
            "DELETE collections/warm/documents?filter_by=id:[`a`]", "DELETE collections/warm/documents/a", "DELETE collections/warm",
        ];
        foreach (var step in steps)
        {
            var parts = step.Split(' ', 3);
            using var request = new HttpRequestMessage(new HttpMethod(parts[0]), parts[1]);
            if (parts.Length > 2)
            {
                request.Content = new StringContent(parts[2], Encoding.UTF8, "application/json");
            }
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var parts = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = request.Method;
        context.Response.ContentType = "application/json; charset=utf-8";
        switch (parts)
        {
            case ["health"]:
                await WriteAsync(context, 200, "{\"ok\":true}");
                break;
            case ["collections"] when method == "POST":
                var schema = await ReadBodyAsync(request);
                using (var document = JsonDocument.Parse(schema))
                {
                    _collections[document.RootElement.GetProperty("name").GetString() ?? ""] = schema;
                }
                await WriteAsync(context, 201, schema);
                break;
            case ["collections"] when method == "GET":
                await WriteAsync(context, 200, "[" + string.Join(",", _collections.Keys.Select(Summary)) + "]");
                break;
            case ["collections", var name] when method == "GET":
                await (_collections.ContainsKey(Resolve(name)) ? WriteAsync(context, 200, Summary(Resolve(name))) : NotFoundAsync(context));
                break;
            case ["collections", var name] when method == "DELETE":
                await (_collections.TryRemove(Resolve(name), out var dropped) ? WriteAsync(context, 200, dropped) : NotFoundAsync(context));
                break;
            case ["aliases", var name] when method == "PUT":
                using (var document = JsonDocument.Parse(await ReadBodyAsync(request)))
                {
                    _aliases[name] = document.RootElement.GetProperty("collection_name").GetString() ?? "";
                }
                await WriteAsync(context, 200, AliasJson(name));
                break;
            case ["aliases"] when method == "GET":
                await WriteAsync(context, 200, "{\"aliases\":[" + string.Join(",", _aliases.Keys.Select(AliasJson)) + "]}");
                break;
            case ["aliases", var name] when method == "GET":
                await (_aliases.ContainsKey(name) ? WriteAsync(context, 200, AliasJson(name)) : NotFoundAsync(context));
                break;
            case ["collections", _] when method == "PATCH":
                await WriteAsync(context, 200, await ReadBodyAsync(request));
                break;
            case ["collections", var name, "documents", "import"] when method == "POST":
                await ImportAsync(context, Resolve(name));
                break;
            case ["collections", _, "documents"] when method == "DELETE":
                var filter = request.Query["filter_by"].ToString();
                await WriteAsync(context, 200, $"{{\"num_deleted\":{filter.Count(c => c == '`') / 2}}}");
                break;
            case ["collections", _, "documents", var id] when method == "DELETE":
                await WriteAsync(context, 200, $"{{\"id\":{JsonSerializer.Serialize(Uri.UnescapeDataString(id))}}}");
                break;
            default:
                await NotFoundAsync(context);
                break;
        }
    }

    private string Resolve(string name) => _aliases.TryGetValue(name, out var collection) ? collection : name;

    // The schema as posted, with the documents imported so far.
    private string Summary(string collection)
    {
        var summary = JsonNode.Parse(_collections.TryGetValue(collection, out var schema) ? schema : "{}"u8.ToArray())!.AsObject();
        summary["num_documents"] = _imported.TryGetValue(collection, out var count) ? Interlocked.Read(ref count.Value) : 0;
        return summary.ToJsonString();
    }

    private string AliasJson(string name) => JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = name, ["collection_name"] = _aliases[name] });

    private static Task NotFoundAsync(HttpContext context) => WriteAsync(context, 404, "{\"message\":\"Not Found\"}");

    // Counts the non-empty lines as the body streams in, then answers one success line for each.
    private async Task ImportAsync(HttpContext context, string collection)
    {
        var reader = context.Request.BodyReader;
        long lines = 0;
        var inLine = false;
        while (true)
        {
            var read = await reader.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                lines += CountLines(segment.Span, ref inLine);
            }
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }
        lines += inLine ? 1 : 0;
        if (_importLatency > TimeSpan.Zero)
        {
            await Task.Delay(_importLatency);
        }
        Interlocked.Add(ref _documents, lines);
        Interlocked.Add(ref _imported.GetOrAdd(collection, _ => new StrongBox<long>()).Value, lines);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var writer = context.Response.BodyWriter;
        for (long i = 0; i < lines; i++)
        {
            var span = writer.GetSpan(Success.Length + 1);
            var length = 0;
            if (i > 0)
            {
                span[length++] = (byte)'\n';
            }
            Success.CopyTo(span[length..]);
            writer.Advance(length + Success.Length);
            if ((i & 1023) == 1023)
            {
                await writer.FlushAsync();
            }
        }
        await writer.FlushAsync();
    }

    private static long CountLines(ReadOnlySpan<byte> span, ref bool inLine)
    {
        long lines = 0;
        while (!span.IsEmpty)
        {
            var newline = span.IndexOf((byte)'\n');
            if (newline < 0)
            {
                inLine = true;
                break;
            }
            lines += inLine || newline > 0 ? 1 : 0;
            inLine = false;
            span = span[(newline + 1)..];
        }
        return lines;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static Task WriteAsync(HttpContext context, int status, string body) => WriteAsync(context, status, Encoding.UTF8.GetBytes(body));

    private static async Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body);
    }
}
