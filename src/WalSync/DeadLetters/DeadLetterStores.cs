using Npgsql;
using WalSync.Configuration;

namespace WalSync.DeadLetters;

/// <summary>Picks the dead-letter store the configuration asks for.</summary>
public static class DeadLetterStores
{
    /// <summary>The directory store when <see cref="DeadLetterOptions.Directory"/> is set, else the table store in
    /// <paramref name="source"/>.</summary>
    public static IDeadLetterArchive Create(DeadLetterOptions options, NpgsqlDataSource source)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.UsesDirectory
            ? new DirectoryDeadLetterStore(options.Directory!)
            : new PostgresDeadLetterStore(source, options.TableName);
    }
}
