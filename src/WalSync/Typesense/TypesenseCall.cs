using System.Net.Http.Headers;

namespace WalSync.Typesense;

/// <summary>One logical request: sent again, possibly to another node, on each retry.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="PathAndQuery">Percent-encoded path and query, starting with '/'.</param>
/// <param name="Timeout">Whole-request timeout of each attempt.</param>
/// <param name="Body">Request body, sent from this memory without copying; null for none.</param>
/// <param name="ContentType">Media type of <paramref name="Body"/>.</param>
internal sealed record TypesenseCall(HttpMethod Method, string PathAndQuery, TimeSpan Timeout, ReadOnlyMemory<byte>? Body = null, string? ContentType = null)
{
    /// <summary>Method and path for messages.</summary>
    public string Operation { get; } = TypesensePaths.Describe(Method, PathAndQuery);

    /// <summary>A fresh request message for one attempt on <paramref name="node"/>.</summary>
    public HttpRequestMessage CreateRequest(TypesenseNode node)
    {
        var request = new HttpRequestMessage(Method, node.Resolve(PathAndQuery));
        if (Body is { } body)
        {
            request.Content = new ReadOnlyMemoryContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType ?? "application/json");
        }

        return request;
    }
}
