namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// All collections and aliases of one emulator. <see cref="_gate"/> guards both maps; each collection guards its own
/// documents (see <see cref="EmulatorCollection.Gate"/>).
/// </summary>
internal sealed class EmulatorStore
{
    /// <summary>Guards <see cref="_collections"/>, <see cref="_aliases"/> and <see cref="_creationOrder"/>.</summary>
    private readonly Lock _gate = new();
    private readonly Dictionary<string, EmulatorCollection> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private readonly List<EmulatorCollection> _creationOrder = [];

    /// <summary>
    /// The collection named <paramref name="name"/>, else the target of the alias <paramref name="name"/> (one level,
    /// a real collection wins over an alias), else null.
    /// </summary>
    public EmulatorCollection? Resolve(string name)
    {
        lock (_gate)
        {
            if (_collections.TryGetValue(name, out var collection))
            {
                return collection;
            }

            return _aliases.TryGetValue(name, out var target) && _collections.TryGetValue(target, out collection)
                ? collection
                : null;
        }
    }

    /// <summary>The collection with exactly this name (aliases not considered), or null.</summary>
    public EmulatorCollection? Find(string name)
    {
        lock (_gate)
        {
            return _collections.GetValueOrDefault(name);
        }
    }

    /// <summary>True if a collection with exactly this name exists (aliases not considered).</summary>
    public bool Exists(string name)
    {
        lock (_gate)
        {
            return _collections.ContainsKey(name);
        }
    }

    /// <summary>Adds a collection; false when the name is taken.</summary>
    public bool TryAdd(EmulatorCollection collection)
    {
        lock (_gate)
        {
            if (!_collections.TryAdd(collection.Name, collection))
            {
                return false;
            }

            _creationOrder.Add(collection);
            return true;
        }
    }

    /// <summary>Removes the collection with exactly this name; aliases pointing at it stay, as in Typesense.</summary>
    public EmulatorCollection? Remove(string name)
    {
        lock (_gate)
        {
            if (!_collections.Remove(name, out var collection))
            {
                return null;
            }

            _creationOrder.Remove(collection);
            return collection;
        }
    }

    /// <summary>All collections, newest first.</summary>
    public IReadOnlyList<EmulatorCollection> ListNewestFirst()
    {
        lock (_gate)
        {
            var list = new List<EmulatorCollection>(_creationOrder);
            list.Reverse();
            return list;
        }
    }

    /// <summary>Creates or repoints an alias. Returns an error when the name is a collection's.</summary>
    public ApiError? UpsertAlias(string name, string collectionName)
    {
        lock (_gate)
        {
            if (_collections.ContainsKey(name))
            {
                return new ApiError(500, $"Name `{name}` conflicts with an existing collection name.");
            }

            _aliases[name] = collectionName;
            return null;
        }
    }

    /// <summary>Target of an alias, or null.</summary>
    public string? GetAlias(string name)
    {
        lock (_gate)
        {
            return _aliases.GetValueOrDefault(name);
        }
    }

    /// <summary>Removes an alias; returns its target or null when missing.</summary>
    public string? RemoveAlias(string name)
    {
        lock (_gate)
        {
            return _aliases.Remove(name, out var target) ? target : null;
        }
    }

    /// <summary>All aliases as (name, collection) pairs, sorted by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ListAliases()
    {
        lock (_gate)
        {
            return [.. _aliases.OrderBy(a => a.Key, StringComparer.Ordinal)];
        }
    }
}
