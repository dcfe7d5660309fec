using System.Text.RegularExpressions;
using Npgsql;

namespace WalSync.Configuration;

/// <summary>Checks <see cref="WalSyncOptions"/> and describes each problem with the key that holds it and the fix.</summary>
public static partial class WalSyncOptionsValidator
{
    /// <summary>Every problem in <paramref name="options"/>, one sentence each; empty when the configuration is valid.</summary>
    public static IReadOnlyList<string> Validate(WalSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidatePostgres(options.Postgres, errors);
        ValidateTypesense(options, errors);
        var batch = options.Batch;
        if (batch.MaxRows is < 1 or > 1_000_000)
        {
            errors.Add($"Batch:MaxRows is {batch.MaxRows}; set a number of rows from 1 to 1000000 (default 5000).");
        }
        if (batch.FlushInterval <= TimeSpan.Zero || batch.FlushInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"Batch:FlushInterval is {Durations.Format(batch.FlushInterval)}; set a duration above zero and at most one hour, e.g. \"00:00:02\".");
        }
        if (batch.ChannelCapacity < 1)
        {
            errors.Add($"Batch:ChannelCapacity is {batch.ChannelCapacity}; set a positive number of changes (default 20000).");
        }
        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            errors.Add($"ShutdownTimeout is {Durations.Format(options.ShutdownTimeout)}; set a duration above zero, e.g. \"00:00:30\".");
        }
        if (options.Backfill.ChunkRows is < 1 or > 1_000_000)
        {
            errors.Add($"Backfill:ChunkRows is {options.Backfill.ChunkRows}; set a number of rows from 1 to 1000000 (default 10000).");
        }
        if (options.Backfill.ScanSeconds is < 0 or > 86_400)
        {
            errors.Add($"Backfill:ScanSeconds is {options.Backfill.ScanSeconds}; set a number of seconds from 0 (chunks of pages from the start) to 86400 (default 30).");
        }
        if (options.Backfill.Parallelism is < 1 or > 64)
        {
            errors.Add($"Backfill:Parallelism is {options.Backfill.Parallelism}; set a number of tables from 1 to 64 (default 1).");
        }
        if (string.IsNullOrWhiteSpace(options.Backfill.Table) || options.Backfill.Table.Split('.').Length > 2)
        {
            errors.Add($"Backfill:Table '{options.Backfill.Table}' must name a table as schema.table, e.g. \"walsync.backfills\".");
        }
        if (options.Reindex.KeepVersions is < 0 or > 100)
        {
            errors.Add($"Reindex:KeepVersions is {options.Reindex.KeepVersions}; set how many old versions to keep, from 0 to 100 (default 1).");
        }
        ValidateTables(options.Tables, errors);
        errors.AddRange(options.DeadLetter.Validate());
        errors.AddRange(options.Http.Validate());
        errors.AddRange(options.Telemetry.Validate());
        errors.AddRange(options.Logging.Validate());
        return errors;
    }

    /// <summary>Throws when <paramref name="options"/> is invalid.</summary>
    /// <exception cref="ConfigurationException">One or more problems; the message lists them all.</exception>
    public static void ThrowIfInvalid(WalSyncOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new ConfigurationException("Invalid configuration:" + string.Concat(errors.Select(e => $"{Environment.NewLine}  - {e}")));
        }
    }

    private static void ValidatePostgres(PostgresOptions postgres, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(postgres.ConnectionString))
        {
            errors.Add("Postgres:ConnectionString is missing; set it in the configuration file or in WALSYNC_Postgres__ConnectionString, " +
                "e.g. \"Host=db;Port=5432;Username=walsync;Password=…;Database=app\".");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    errors.Add("Postgres:ConnectionString has no Host; add Host=<server> to it.");
                }
            }
            catch (ArgumentException e)
            {
                // Npgsql's message names the offending keyword, never its value, so no password can leak here.
                errors.Add($"Postgres:ConnectionString is not a valid connection string ({e.Message}); use the form \"Host=…;Port=5432;Username=…;Password=…;Database=…\".");
            }
        }
        if (!SlotName().IsMatch(postgres.Slot))
        {
            errors.Add($"Postgres:Slot '{postgres.Slot}' is not a valid replication slot name; use 1 to 63 lower-case letters, digits and underscores.");
        }
        if (postgres.HeartbeatInterval is { } heartbeat && (heartbeat <= TimeSpan.Zero || heartbeat > TimeSpan.FromHours(1)))
        {
            errors.Add($"Postgres:HeartbeatInterval is {Durations.Format(heartbeat)}; set a duration above zero and at most one hour (e.g. \"00:01:00\"), or remove it.");
        }
        if (postgres.CatalogCheckInterval <= TimeSpan.Zero || postgres.CatalogCheckInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"Postgres:CatalogCheckInterval is {Durations.Format(postgres.CatalogCheckInterval)}; set a duration above zero and at most one day (e.g. \"00:01:00\", the default).");
        }
        if (postgres.LogicalDecodingWorkMem is { } workMem && !IsDecodingWorkMem(workMem))
        {
            errors.Add($"Postgres:LogicalDecodingWorkMem is \"{workMem}\"; set an amount of memory from 64kB up, written as PostgreSQL writes it " +
                "(e.g. \"256MB\", \"1GB\"; units kB, MB, GB, TB), or remove it to use the server's setting.");
        }
        if (string.IsNullOrWhiteSpace(postgres.Publication) || postgres.Publication.Length > 63)
        {
            errors.Add("Postgres:Publication must be a name of 1 to 63 characters (default \"walsync\").");
        }
    }

    /// <summary>True when <paramref name="value"/> is a memory amount PostgreSQL takes for <c>logical_decoding_work_mem</c>:
    /// 64 kB to 2147483647 kB, its unit one of PostgreSQL's (case-sensitive).</summary>
    private static bool IsDecodingWorkMem(string value)
    {
        var match = MemoryAmount().Match(value);
        if (!match.Success || !long.TryParse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var amount) || amount > int.MaxValue)
        {
            return false;
        }
        var kilobytes = match.Groups[2].Value switch
        {
            "TB" => amount * 1024 * 1024 * 1024,
            "GB" => amount * 1024 * 1024,
            "MB" => amount * 1024,
            _ => amount,
        };
        return kilobytes is >= 64 and <= int.MaxValue;
    }

    private static void ValidateTypesense(WalSyncOptions options, List<string> errors)
    {
        var typesense = options.Typesense;
        if (typesense.Nodes.Count == 0)
        {
            errors.Add("Typesense:Nodes is empty; list at least one node URL, e.g. [\"http://127.0.0.1:8108\"] (or WALSYNC_Typesense__Nodes__0).");
        }
        for (var i = 0; i < typesense.Nodes.Count; i++)
        {
            if (!Uri.TryCreate(typesense.Nodes[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"Typesense:Nodes:{i} '{typesense.Nodes[i]}' is not an http:// or https:// URL; write it like \"http://127.0.0.1:8108\".");
            }
        }
        if (typesense.NearestNode is { Length: > 0 } nearest && !Uri.TryCreate(nearest, UriKind.Absolute, out _))
        {
            errors.Add($"Typesense:NearestNode '{nearest}' is not a URL; write it like \"http://127.0.0.1:8108\" or remove it.");
        }
        if (string.IsNullOrWhiteSpace(typesense.ApiKey))
        {
            errors.Add("Typesense:ApiKey is missing; set it in the configuration file or, better for a secret, in WALSYNC_Typesense__ApiKey.");
        }
    }

    private static void ValidateTables(IList<TableOptions> tables, List<string> errors)
    {
        if (tables.Count == 0)
        {
            errors.Add("Tables is empty; add at least one entry, e.g. [{ \"Table\": \"public.products\", \"Collection\": \"products\" }].");
            return;
        }
        var collections = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenTables = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tables.Count; i++)
        {
            var table = tables[i];
            if (string.IsNullOrWhiteSpace(table.Table) || table.Table.Split('.').Length > 2 || table.Table.Split('.').Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"Tables:{i}:Table '{table.Table}' must name a table as schema.table or table, e.g. \"public.products\".");
                continue;
            }
            var qualified = $"{table.SchemaName}.{table.TableName}";
            if (!seenTables.Add(qualified))
            {
                errors.Add($"Tables:{i}:Table '{qualified}' is listed twice; keep one entry per table.");
            }
            if (collections.TryGetValue(table.CollectionName, out var other))
            {
                errors.Add($"Tables:{i}:Collection '{table.CollectionName}' is already the collection of {other}; give each table its own collection.");
            }
            else
            {
                collections[table.CollectionName] = qualified;
            }
            if (table.Columns is { Count: > 0 } && table.ExcludeColumns is { Count: > 0 })
            {
                errors.Add($"Tables:{i} sets both Columns and ExcludeColumns; keep only one of them.");
            }
            ValidateNested(table.Nested, $"Tables:{i}:Nested", errors);
        }
    }

    /// <summary>Checks the entries of a <c>Nested</c> list and, recursively, theirs.</summary>
    private static void ValidateNested(IList<NestedOptions>? nested, string path, List<string> errors)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (nested?.Count ?? 0); i++)
        {
            var entry = nested![i];
            var at = $"{path}:{i}";
            if (string.IsNullOrWhiteSpace(entry.Field) || entry.Field.Contains('.', StringComparison.Ordinal) || entry.Field == "id")
            {
                errors.Add($"{at}:Field '{entry.Field}' must name the field that holds the related rows, without dots and not \"id\", e.g. \"organizations\".");
            }
            else if (!fields.Add(entry.Field))
            {
                errors.Add($"{at}:Field '{entry.Field}' is used twice at this level; give each nested entry its own field.");
            }
            foreach (var (setting, name) in (ReadOnlySpan<(string, string?)>)[("Table", entry.Table), ("Through", entry.Through)])
            {
                if ((setting == "Table" || name is not null)
                    && (string.IsNullOrWhiteSpace(name) || name.Split('.').Length > 2 || name.Split('.').Any(string.IsNullOrWhiteSpace)))
                {
                    errors.Add($"{at}:{setting} '{name}' must name a table as schema.table or table, e.g. \"public.organizations\".");
                }
            }
            if (entry.Columns is { Count: > 0 } && entry.ExcludeColumns is { Count: > 0 })
            {
                errors.Add($"{at} sets both Columns and ExcludeColumns; keep only one of them.");
            }
            if (entry.ForeignKey is { Count: 0 } || entry.ForeignKey?.Any(string.IsNullOrWhiteSpace) == true)
            {
                errors.Add($"{at}:ForeignKey must list the referencing columns of one foreign key, e.g. [\"category_id\"], or be left out.");
            }
            ValidateNested(entry.Nested, $"{at}:Nested", errors);
        }
    }

    [GeneratedRegex(@"^\s*([0-9]{1,19})\s*(kB|MB|GB|TB)?\s*$")]
    private static partial Regex MemoryAmount();

    [GeneratedRegex("^[a-z0-9_]{1,63}$")]
    private static partial Regex SlotName();
}
