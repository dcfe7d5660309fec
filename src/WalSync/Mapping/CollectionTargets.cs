namespace WalSync.Mapping;

/// <summary>
/// The physical collections a table's changes are written to: the version its alias serves, and during a rebuild also
/// the version being filled (written last, the one that will serve). Changed only while <see cref="Gate"/> is held, which
/// a flush of the table holds too, so no write is ever in flight to a version being dropped.
/// </summary>
internal sealed class CollectionTargets
{
    /// <summary>The names, the serving version first. Replaced whole, never changed in place.</summary>
    private volatile string[] _names;

    /// <summary>Creates targets that write to <paramref name="name"/> alone.</summary>
    public CollectionTargets(string name) => _names = [name];

    /// <summary>The collections written now, in order; the last is the one whose rejections become dead letters.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Held by a flush of the table and by every change of the names.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Replaces the names; call with <see cref="Gate"/> held.</summary>
    public void Set(params string[] names) => _names = names;
}
