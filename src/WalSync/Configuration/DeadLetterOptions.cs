namespace WalSync.Configuration;

/// <summary>
/// The <c>DeadLetter</c> section: where documents that cannot be written are kept. One store is used: the directory
/// when <see cref="Directory"/> is set, else the table.
/// </summary>
public sealed class DeadLetterOptions
{
    /// <summary>The table used when neither <see cref="Table"/> nor <see cref="Directory"/> is set.</summary>
    public const string DefaultTable = "walsync.dead_letters";

    /// <summary>A table in the source database (schema.table), created when missing. Default <c>walsync.dead_letters</c>.</summary>
    public string? Table { get; set; }

    /// <summary>A directory of JSON-lines files instead of the table; created when missing. Each write is a new file,
    /// flushed to disk (fsync) before the change's LSN is acknowledged.</summary>
    public string? Directory { get; set; }

    /// <summary>True when dead letters go to <see cref="Directory"/>.</summary>
    public bool UsesDirectory => !string.IsNullOrWhiteSpace(Directory);

    /// <summary>The table dead letters go to when <see cref="UsesDirectory"/> is false.</summary>
    public string TableName => string.IsNullOrWhiteSpace(Table) ? DefaultTable : Table;

    /// <summary>Every problem of this section, one sentence each naming the key and the fix; empty when valid. Creates
    /// <see cref="Directory"/> when missing and checks that a file can be written in it.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(Table) && UsesDirectory)
        {
            errors.Add("DeadLetter:Table and DeadLetter:Directory are both set; keep only one (Directory keeps dead letters in files, Table in the source database).");
        }
        if (!string.IsNullOrWhiteSpace(Table) && (Table.Split('.').Length > 2 || Table.Split('.').Any(string.IsNullOrWhiteSpace)))
        {
            errors.Add($"DeadLetter:Table '{Table}' must name a table as schema.table or table, e.g. \"{DefaultTable}\".");
        }
        if (UsesDirectory && CheckWritable(Directory!) is { } problem)
        {
            errors.Add($"DeadLetter:Directory '{Directory}' is not a writable directory ({problem}); create it with write permission for WalSync or choose another path.");
        }
        return errors;
    }

    private static string? CheckWritable(string directory)
    {
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".walsync-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return e.Message;
        }
    }
}
