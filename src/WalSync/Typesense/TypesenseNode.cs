namespace WalSync.Typesense;

/// <summary>One configured node and its health as seen by this client.</summary>
internal sealed class TypesenseNode
{
    private readonly string _prefix;

    public TypesenseNode(string baseUrl)
    {
        BaseUri = new Uri(baseUrl, UriKind.Absolute);
        _prefix = BaseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>The node's base URL as configured.</summary>
    public Uri BaseUri { get; }

    /// <summary>False after a network error, timeout or 5xx until the node answers again. Guarded by the owning <see cref="NodeSelector"/>'s lock.</summary>
    public bool IsHealthy { get; set; } = true;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last failure. Guarded by the owning <see cref="NodeSelector"/>'s lock.</summary>
    public long FailedAt { get; set; }

    /// <summary>The absolute URL of <paramref name="pathAndQuery"/> (already percent-encoded, starting with '/') on this node.</summary>
    public Uri Resolve(string pathAndQuery) => new(_prefix + pathAndQuery, UriKind.Absolute);

    /// <inheritdoc />
    public override string ToString() => BaseUri.ToString();
}
