using System.Buffers;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace WalSync.Typesense;

/// <summary>
/// A thin Typesense HTTP client: imports, deletes, collection management, search, export and health, over one
/// pooled <see cref="HttpClient"/>. Every call goes to a node picked round robin (the nearest node first while it
/// is healthy) and retries 5xx, timeouts and connection errors with capped, jittered exponential backoff, up to
/// <see cref="TypesenseOptions.MaxRetries"/> times. 4xx answers are never retried.
/// </summary>
/// <remarks>API: https://typesense.org/docs/29.0/api/ ; retry and node behaviour modelled on the official clients.</remarks>
public sealed partial class TypesenseClient : IDisposable
{
    private readonly TypesenseOptions _options;
    private readonly ILogger<TypesenseClient> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TypesenseTransport _transport;

    /// <summary>Creates a client; it owns its connections until disposed.</summary>
    /// <param name="options">Nodes, key, timeouts and retry settings; checked with <see cref="TypesenseOptions.Validate"/>.</param>
    /// <param name="logger">Receives retries (Warning) and per-call figures (Debug).</param>
    /// <param name="timeProvider">Clock for timeouts, backoff and node health; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="handler">Message handler to send through (not disposed by the client); a pooled <see cref="SocketsHttpHandler"/> when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public TypesenseClient(TypesenseOptions options, ILogger<TypesenseClient> logger, TimeProvider? timeProvider = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _transport = new TypesenseTransport(options, logger, _timeProvider, handler);
    }

    /// <summary>Calls <paramref name="retrying"/> before each retry of a transient failure (503, 5xx, timeout, connection error),
    /// with the failure; the request goes on being retried up to <see cref="TypesenseOptions.MaxRetries"/>.</summary>
    internal void OnRetry(Action<TypesenseException> retrying) => _transport.Retrying = retrying;

    /// <summary>
    /// Imports documents with <c>POST /collections/:c/documents/import?action=…</c>, sending <paramref name="ndjson"/>
    /// from the caller's memory without copying. Typesense answers 200 even when documents are rejected: the result
    /// of every non-empty line is returned, in input order.
    /// </summary>
    /// <param name="collection">Collection (or alias) name.</param>
    /// <param name="ndjson">UTF-8 JSON documents, one per line, separated by '\n'; empty lines get no result.</param>
    /// <param name="action">How documents meet stored ones with the same id.</param>
    /// <param name="cancellationToken">Cancels the import and its retries.</param>
    /// <returns>One result per non-empty line; empty when there is none (no request is sent).</returns>
    /// <exception cref="TypesenseException">A 4xx (e.g. 404 missing collection), retries exhausted, or a response whose line count differs from the input.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/documents.html#index-multiple-documents. Uses <see cref="TypesenseOptions.ImportTimeout"/>.</remarks>
    public async Task<IReadOnlyList<ImportLineResult>> ImportAsync(string collection, ReadOnlyMemory<byte> ndjson, ImportAction action, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        var lines = ImportResultParser.CountLines(ndjson.Span);
        if (lines == 0)
        {
            return [];
        }

        var call = new TypesenseCall(HttpMethod.Post, TypesensePaths.Import(collection, action), _options.ImportTimeout, ndjson, "text/plain");
        var started = _timeProvider.GetTimestamp();
        var results = await _transport.SendAsync(call, (response, node, ct) => ReadImportAsync(response, node, call, lines, ct), cancellationToken);

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var rejected = results.Count(r => !r.Success);
            var elapsedMs = _timeProvider.GetElapsedTime(started).TotalMilliseconds;
            TypesenseLog.ImportDone(_logger, collection, lines, rejected, ndjson.Length, elapsedMs);
        }

        return results;
    }

    /// <summary>
    /// Deletes the documents with the given ids; ids that do not exist are skipped.
    /// Ids go into <c>DELETE /collections/:c/documents?filter_by=id:[`a`,`b`,…]</c>, each backtick-quoted and the
    /// filter percent-encoded ('+' as %2B), split into requests whose query string stays under 64 KiB (one id list
    /// is one of Typesense's 100 allowed filter operations). An id a filter cannot express exactly (one containing a
    /// backtick, a backslash or a control character, one with a space at either end, or exactly <c>*</c>, which matches
    /// every document) is deleted by path instead: <c>DELETE /collections/:c/documents/{percent-encoded id}?ignore_not_found=true</c>,
    /// where an id already gone is not an error. Empty ids are skipped (Typesense stores none).
    /// </summary>
    /// <param name="collection">Collection (or alias) name.</param>
    /// <param name="ids">Document ids, any characters.</param>
    /// <param name="cancellationToken">Cancels the remaining requests and retries.</param>
    /// <returns>The number of documents deleted (a by-path delete answered only <c>{"id":…}</c> counts as not found).</returns>
    /// <exception cref="TypesenseException">A 4xx (e.g. 404 missing collection) or retries exhausted; earlier requests' deletes stay done.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/documents.html#delete-by-query and #delete-a-document. Filter deletes use <see cref="TypesenseOptions.ImportTimeout"/>.</remarks>
    public async Task<int> DeleteDocumentsAsync(string collection, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        ArgumentNullException.ThrowIfNull(ids);
        var path = TypesensePaths.Documents(collection);
        var plan = IdDeletePlan.Create(ids, IdDeletePlan.DefaultMaxQueryBytes - path.Length);
        var deleted = 0;
        foreach (var query in plan.FilterQueries)
        {
            var call = new TypesenseCall(HttpMethod.Delete, path + "?" + query, _options.ImportTimeout);
            deleted += await _transport.SendAsync(call, (response, node, ct) => TypesenseResponses.ReadIntAsync(response, node, call, "num_deleted", ct), cancellationToken);
        }

        foreach (var id in plan.PathIds)
        {
            var call = new TypesenseCall(HttpMethod.Delete, TypesensePaths.Document(collection, id) + "?ignore_not_found=true", _options.ConnectionTimeout);
            deleted += await _transport.SendAsync(call, (response, node, ct) => ReadPathDeleteAsync(response, node, call, ct), cancellationToken);
        }

        TypesenseLog.DeleteDone(_logger, collection, deleted, ids.Count, plan.FilterQueries.Count + plan.PathIds.Count);
        return deleted;
    }

    /// <summary>Deletes every document of a collection and keeps the collection: <c>DELETE /collections/:c/documents?truncate=true</c> (Typesense 28+).</summary>
    /// <returns>The number of documents deleted.</returns>
    /// <exception cref="TypesenseException">A 4xx (e.g. 404 missing collection) or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/documents.html#delete-all-documents. Uses <see cref="TypesenseOptions.ImportTimeout"/>.</remarks>
    public Task<int> TruncateAsync(string collection, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        var call = new TypesenseCall(HttpMethod.Delete, TypesensePaths.Documents(collection) + "?truncate=true", _options.ImportTimeout);
        return _transport.SendAsync(call, (response, node, token) => TypesenseResponses.ReadIntAsync(response, node, call, "num_deleted", token), ct);
    }

    /// <summary>Searches with <c>GET /collections/:c/documents/search</c>.</summary>
    /// <returns>Found and collection counts and the hits' stored documents.</returns>
    /// <exception cref="TypesenseException">400 for a bad query or filter, 404 missing collection, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/search.html</remarks>
    public Task<SearchResult> SearchAsync(string collection, SearchRequest request, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        ArgumentNullException.ThrowIfNull(request);
        var call = new TypesenseCall(HttpMethod.Get, TypesensePaths.Search(collection, request), _options.ConnectionTimeout);
        return _transport.SendAsync(call, async (response, node, token) =>
        {
            var body = await TypesenseResponses.ReadObjectAsync(response, node, call, token);
            var documents = (body["hits"] as JsonArray ?? [])
                .Select(hit => hit?["document"] as JsonObject)
                .OfType<JsonObject>()
                .ToList();
            return new SearchResult
            {
                Found = body["found"]?.GetValue<int>() ?? 0,
                OutOf = body["out_of"]?.GetValue<int>() ?? 0,
                Page = body["page"]?.GetValue<int>() ?? 1,
                Documents = documents,
            };
        }, ct);
    }

    /// <summary>Reads every stored document with <c>GET /collections/:c/documents/export</c> (JSON lines).</summary>
    /// <exception cref="TypesenseException">404 missing collection, an unreadable line, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/documents.html#export-documents. Uses <see cref="TypesenseOptions.ImportTimeout"/>.</remarks>
    public Task<IReadOnlyList<JsonObject>> ExportAsync(string collection, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        var call = new TypesenseCall(HttpMethod.Get, TypesensePaths.Documents(collection) + "/export", _options.ImportTimeout);
        return _transport.SendAsync<IReadOnlyList<JsonObject>>(call, async (response, node, token) =>
        {
            await TypesenseResponses.EnsureSuccessAsync(response, node, call, token);
            var body = (ReadOnlyMemory<byte>)await response.Content.ReadAsByteArrayAsync(token);
            var documents = new List<JsonObject>();
            foreach (var line in body.Span.Split((byte)'\n'))
            {
                var text = body.Span[line].TrimEnd((byte)'\r');
                if (!text.IsEmpty)
                {
                    documents.Add(TypesenseResponses.Parse(text, node, call, response));
                }
            }

            return documents;
        }, ct);
    }

    /// <summary>
    /// Asks <c>GET /health</c> of each node in turn (the nearest first), once and without retry, and reports
    /// whether one answered 200 <c>{"ok":true}</c>. A node may be healthy for reads while refusing writes with 503.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/cluster-operations.html#health</remarks>
    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        var call = new TypesenseCall(HttpMethod.Get, "/health", _options.ConnectionTimeout);
        foreach (var node in _transport.Nodes.All)
        {
            try
            {
                var body = await _transport.SendOnceAsync(call, node, (response, n, token) => TypesenseResponses.ReadObjectAsync(response, n, call, token), ct);
                if (body["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var value) && value)
                {
                    return true;
                }
            }
            catch (TypesenseException)
            {
                // this node is down or not ready; ask the next
            }
        }

        return false;
    }

    /// <inheritdoc />
    public void Dispose() => _transport.Dispose();

    private static async Task<ImportResults> ReadImportAsync(HttpResponseMessage response, TypesenseNode node, TypesenseCall call, int lines, CancellationToken cancellationToken)
    {
        await TypesenseResponses.EnsureSuccessAsync(response, node, call, cancellationToken);
        // Read into a pooled array: the answer to a large import (17 bytes a document) is a large object, and a new
        // one at every import costs the GC its zeroing and, in time, full collections.
        var body = ArrayPool<byte>.Shared.Rent(response.Content.Headers.ContentLength is > 0 and < int.MaxValue / 2 and var size ? (int)size + 1 : 1 << 16);
        try
        {
            var length = 0;
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (await stream.ReadAsync(body.AsMemory(length), cancellationToken) is var read and > 0)
            {
                length += read;
                if (length == body.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(body.Length * 2);
                    body.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(body);
                    body = larger;
                }
            }
            return ImportResultParser.Parse(body.AsSpan(0, length), lines);
        }
        catch (FormatException ex)
        {
            throw TypesenseResponses.Unreadable(node, call, response, ex.Message, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private static async Task<int> ReadPathDeleteAsync(HttpResponseMessage response, TypesenseNode node, TypesenseCall call, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            // Servers before 26.0 ignore ignore_not_found: a missing document is already gone; a missing collection is an error.
            var error = await TypesenseResponses.ErrorAsync(response, node, call, cancellationToken);
            return error.TypesenseMessage?.StartsWith("Could not find a document", StringComparison.Ordinal) == true ? 0 : throw error;
        }

        var body = await TypesenseResponses.ReadObjectAsync(response, node, call, cancellationToken);
        return body.Any(property => property.Key != "id") ? 1 : 0; // ignore_not_found answers {"id":…} alone
    }
}
