using System.Collections.Concurrent;

namespace WalSync.Tests.Typesense;

/// <summary>Passes requests to a real <see cref="SocketsHttpHandler"/> and records what was sent where.</summary>
internal sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers)> _requests = new();

    private int _inFlight;
    private int _maxInFlight;

    public IReadOnlyList<(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers)> Requests => _requests.ToArray();

    /// <summary>The most requests that were awaiting their response at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int CountTo(Uri node) => Requests.Count(r => r.Uri.Authority == node.Authority);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue((request.Method, request.RequestUri!, headers));
        var inFlight = Interlocked.Increment(ref _inFlight);
        int max;
        while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
        {
        }

        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
