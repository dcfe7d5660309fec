using System.Buffers;
using System.Globalization;
using System.Text.Json;
using WalSync.Configuration;

namespace WalSync.DeadLetters;

/// <summary>
/// Dead letters as JSON lines (<see cref="DeadLetterJson"/>) in files of a directory. Each write makes a new file
/// <c>dead-letters-{UTC time}-{random}.jsonl</c>, complete or absent after a crash (<see cref="DurableFile"/>); a
/// running WalSync never touches a file again, so <c>walsync dead-letters retry</c> can rewrite files (to set
/// <c>retried_at</c>) while it runs. Ids are <c>{file name}#{line number}</c>.
/// </summary>
internal sealed class DirectoryDeadLetterStore : IDeadLetterArchive
{
    private const string Prefix = "dead-letters-";
    private const string Extension = ".jsonl";
    private readonly string _directory;
    private readonly TimeProvider _time;

    /// <summary>Creates the store for <paramref name="directory"/>.</summary>
    public DirectoryDeadLetterStore(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The directory, as a full path.</summary>
    public string DirectoryPath => _directory;

    /// <inheritdoc/>
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"The dead-letter directory {_directory} cannot be created ({e.Message}). Create it with write " +
                "permission for WalSync or set DeadLetter:Directory to another path.", e);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        if (deadLetters.Count == 0)
        {
            return;
        }
        var now = _time.GetUtcNow();
        var name = $"{Prefix}{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfffffff", CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}{Extension}";
        await DurableFile.WriteAsync(Path.Combine(_directory, name), Lines(deadLetters.Select(l => (l, now, (DateTimeOffset?)null))), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredDeadLetter>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var letters = new List<StoredDeadLetter>();
        var table = query.QualifiedTable;
        foreach (var file in Files())
        {
            foreach (var stored in await ReadFileAsync(file, cancellationToken))
            {
                if ((query.IncludeRetried || stored.RetriedAt is null) && (table is null || stored.Letter.Table == table))
                {
                    letters.Add(stored);
                    if (letters.Count == query.Limit)
                    {
                        return letters;
                    }
                }
            }
        }
        return letters;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, long>> CountPendingAsync(CancellationToken cancellationToken) =>
        (await ListAsync(new DeadLetterQuery(), cancellationToken)).GroupBy(l => l.Letter.Table, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);

    /// <inheritdoc/>
    public async Task MarkRetriedAsync(IReadOnlyCollection<string> ids, DateTimeOffset retriedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        foreach (var byFile in ids.Select(id => id.Split('#')).Where(parts => parts.Length == 2).GroupBy(parts => parts[0], parts => parts[1]))
        {
            var path = Path.Combine(_directory, Path.GetFileName(byFile.Key));
            if (!File.Exists(path))
            {
                continue;
            }
            var lines = byFile.ToHashSet(StringComparer.Ordinal);
            var letters = await ReadFileAsync(path, cancellationToken);
            var marked = letters.Select(s => (s.Letter, s.CreatedAt, lines.Contains(LineOf(s.Id)) ? retriedAt : s.RetriedAt));
            await DurableFile.WriteAsync(path, Lines(marked), cancellationToken);
        }
    }

    private IEnumerable<string> Files() => Directory.Exists(_directory)
        ? Directory.EnumerateFiles(_directory, Prefix + "*" + Extension).Order(StringComparer.Ordinal)
        : [];

    private static async Task<List<StoredDeadLetter>> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(path);
        var letters = new List<StoredDeadLetter>();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                var (letter, created, retried) = DeadLetterJson.Read(System.Text.Encoding.UTF8.GetBytes(line));
                letters.Add(new StoredDeadLetter($"{name}#{number.ToString(CultureInfo.InvariantCulture)}", created, retried, letter));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{path} line {number}: {e.Message}", e);
            }
        }
        return letters;
    }

    private static string LineOf(string id) => id[(id.LastIndexOf('#') + 1)..];

    private static ReadOnlyMemory<byte> Lines(IEnumerable<(DeadLetter Letter, DateTimeOffset CreatedAt, DateTimeOffset? RetriedAt)> letters)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            foreach (var (letter, created, retried) in letters)
            {
                DeadLetterJson.Write(json, letter, created, retried);
                json.Flush();
                json.Reset();
                buffer.Write("\n"u8);
            }
        }
        return buffer.WrittenMemory;
    }
}
