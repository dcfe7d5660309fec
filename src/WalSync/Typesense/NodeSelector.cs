namespace WalSync.Typesense;

/// <summary>
/// Picks the node for each request the way the official clients do: the nearest node while it is healthy,
/// else round robin over the healthy nodes; a failed node is skipped for the healthcheck interval, and when
/// no node is healthy the next one is tried anyway.
/// </summary>
/// <remarks>Model: typesense-js <c>ApiCall.getNextNode()</c>, see https://typesense.org/docs/guide/high-availability.html.</remarks>
internal sealed class NodeSelector
{
    private readonly TypesenseNode[] _nodes;
    private readonly TypesenseNode? _nearest;
    private readonly TimeSpan _healthcheckInterval;
    private readonly TimeProvider _timeProvider;

    /// <summary>Guards <see cref="_current"/> and every node's health fields.</summary>
    private readonly Lock _lock = new();

    /// <summary>Index of the node picked last by round robin.</summary>
    private int _current = -1;

    public NodeSelector(IEnumerable<string> nodes, string? nearestNode, TimeSpan healthcheckInterval, TimeProvider timeProvider)
    {
        _nodes = nodes.Select(n => new TypesenseNode(n)).ToArray();
        _nearest = nearestNode is null ? null : new TypesenseNode(nearestNode);
        _healthcheckInterval = healthcheckInterval;
        _timeProvider = timeProvider;
    }

    /// <summary>How many nodes there are, the nearest one included.</summary>
    public int Count => _nodes.Length + (_nearest is null ? 0 : 1);

    /// <summary>All nodes, the nearest first.</summary>
    public IEnumerable<TypesenseNode> All => _nearest is null ? _nodes : _nodes.Prepend(_nearest);

    /// <summary>The node for the next request.</summary>
    public TypesenseNode Next()
    {
        lock (_lock)
        {
            if (_nearest is not null && IsUsable(_nearest))
            {
                return _nearest;
            }

            for (var i = 0; i < _nodes.Length; i++)
            {
                _current = (_current + 1) % _nodes.Length;
                if (IsUsable(_nodes[_current]))
                {
                    return _nodes[_current];
                }
            }

            // None is usable: rotate anyway so a cluster that is down everywhere is probed node by node.
            _current = (_current + 1) % _nodes.Length;
            return _nodes[_current];
        }
    }

    /// <summary>
    /// Records a network error, timeout or 5xx: the node is skipped for the healthcheck interval. Returns whether
    /// it was usable before (healthy, or due for a new try), i.e. whether a new skip period starts.
    /// </summary>
    public bool MarkFailed(TypesenseNode node)
    {
        lock (_lock)
        {
            var wasUsable = IsUsable(node);
            node.IsHealthy = false;
            node.FailedAt = _timeProvider.GetTimestamp();
            return wasUsable;
        }
    }

    /// <summary>Records an answer below 500: the node is usable again.</summary>
    public void MarkHealthy(TypesenseNode node)
    {
        lock (_lock)
        {
            node.IsHealthy = true;
        }
    }

    private bool IsUsable(TypesenseNode node) =>
        node.IsHealthy || _timeProvider.GetElapsedTime(node.FailedAt) >= _healthcheckInterval;
}
