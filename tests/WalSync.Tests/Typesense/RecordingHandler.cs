using System.Collections.Concurrent;

namespace WalSync.Tests.Typesense;

/// <summary>Passes requests to a real <see cref="SocketsHttpHandler"/> and records what was sent where.</summary>
internal sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers)> _requests = new();

    public IReadOnlyList<(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers)> Requests => _requests.ToArray();

    public int CountTo(Uri node) => Requests.Count(r => r.Uri.Authority == node.Authority);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue((request.Method, request.RequestUri!, headers));
        return base.SendAsync(request, cancellationToken);
    }
}
