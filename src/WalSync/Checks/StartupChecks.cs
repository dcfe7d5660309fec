using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Typesense;

namespace WalSync.Checks;

/// <summary>
/// Every check <c>walsync run</c> makes before it streams, made at once and all reported together, without changing
/// anything: the connection, <c>wal_level</c>, the REPLICATION attribute, each table (SELECT, row-level security, a key),
/// the publication (its coverage, or the right to create it), whether the stream will carry binary or text values, the
/// dead-letter store, the slot, each Typesense node and the API key, and each collection's fields. <c>walsync check</c>
/// prints them; <c>walsync run</c> refuses to start when one of them failed (<see cref="ThrowIfAnyFailed"/>).
/// </summary>
/// <remarks>What would be created at start (the publication, the dead-letter table) is created in a transaction that is
/// rolled back, which proves the role's rights exactly as PostgreSQL judges them.</remarks>
public sealed partial class StartupChecks
{
    private readonly WalSyncOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;

    /// <summary>Creates the checks of <paramref name="options"/>; nothing is opened until <see cref="RunAsync(CancellationToken)"/>.</summary>
    /// <param name="options">A validated configuration.</param>
    /// <param name="loggers">The loggers of the clients the checks use; none when null.</param>
    /// <param name="time">The clock of the Typesense client's timeouts; <see cref="TimeProvider.System"/> when null.</param>
    public StartupChecks(WalSyncOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>True when the slot is about to be dropped and created again (<c>walsync run --resnapshot</c>): its state
    /// is then no problem.</summary>
    public bool Resnapshot { get; init; }

    /// <summary>Runs every check, each once (the Typesense nodes without retry).</summary>
    /// <returns>One result per check, in the order above; a check that depends on one that did not pass is
    /// <see cref="CheckStatus.Skipped"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        await using var source = new SourceDatabase(_options.Postgres, NullLogger.Instance);
        return await RunAsync(source, cancellationToken);
    }

    /// <summary>Runs every check as <see cref="RunAsync(CancellationToken)"/> does, through <paramref name="source"/>'s
    /// connections: a run then opens PostgreSQL once for its checks and its start (a new data source connects and
    /// loads the server's types again).</summary>
    internal async Task<IReadOnlyList<CheckResult>> RunAsync(SourceDatabase source, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        var registry = await CheckSourceAsync(source, results, cancellationToken);
        await CheckTypesenseAsync(registry, results, cancellationToken);
        return results;
    }

    /// <summary>Throws when a check failed, with every failed check and its fix in the message.</summary>
    /// <exception cref="ConfigurationException">At least one result is <see cref="CheckStatus.Failed"/>.</exception>
    public static void ThrowIfAnyFailed(IReadOnlyList<CheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var failed = results.Where(r => r.MustBeFixed).ToList();
        if (failed.Count == 1)
        {
            throw new ConfigurationException(failed[0].Message);
        }
        if (failed.Count > 1)
        {
            throw new ConfigurationException($"{failed.Count} start-up checks failed; fix each of them (walsync check --config FILE lists every check):" +
                string.Concat(failed.Select(f => $"{Environment.NewLine}  - {f.Name}: {f.Message}")));
        }
    }

    private async Task CheckTypesenseAsync(TableRegistry? registry, List<CheckResult> results, CancellationToken cancellationToken)
    {
        var probe = _options.Tables.FirstOrDefault()?.CollectionName ?? "walsync-check";
        var answering = new List<string>();
        foreach (var node in _options.Typesense.Nodes.Concat(_options.Typesense.NearestNode is { } nearest ? [nearest] : []).Distinct(StringComparer.Ordinal))
        {
            var address = new Uri(node).Authority;
            using var client = new TypesenseClient(SingleAttempt(node), _loggers.CreateLogger<TypesenseClient>(), _time);
            if (await CheckAsync(results, $"Typesense {address}", async () =>
            {
                await client.GetCollectionAsync(probe, cancellationToken);
                return $"Typesense at {address} answers and accepts the API key";
            }, cancellationToken))
            {
                answering.Add(node);
            }
        }
        if (registry is null || answering.Count == 0)
        {
            foreach (var table in _options.Tables)
            {
                results.Add(new CheckResult($"collection {table.CollectionName}", CheckStatus.Skipped,
                    registry is null ? "not checked: its table must pass its checks first" : "not checked: no Typesense node passed its check"));
            }
            return;
        }
        using var reachable = new TypesenseClient(SingleAttempt(answering[0]), _loggers.CreateLogger<TypesenseClient>(), _time);
        // One read of every collection for all the checks below (each reports its failure).
        Task<Sink.CollectionCatalog>? catalog = null;
        foreach (var binding in registry.Bindings)
        {
            var rebuilt = false;
            await CheckAsync(results, $"collection {binding.Collection}", async () =>
            {
                var mapper = await registry.GetMapperAsync(binding, binding.Source.Relation, cancellationToken);
                try
                {
                    return await Sink.CollectionSchemaSync.CheckAsync(binding.Collection, mapper, await (catalog ??= Sink.CollectionCatalog.LoadAsync(reachable, cancellationToken)),
                        cancellationToken);
                }
                catch (SchemaChangeException) when (_options.Schema.OnIncompatibleChange == RecoveryAction.Rebuild)
                {
                    // Schema:OnIncompatibleChange = Rebuild: run fills a new version while this one serves, so it is no failure.
                    rebuilt = true;
                    return $"collection '{binding.Collection}' cannot take {mapper.Relation.QualifiedName}'s columns as they are now: " +
                        "walsync run rebuilds it into a new version while the current one keeps serving";
                }
            }, cancellationToken);
            if (rebuilt)
            {
                results[^1] = results[^1] with { Status = CheckStatus.Warning };
            }
        }
    }

    /// <summary>The Typesense settings for one node and one attempt: a check reports, it does not wait.</summary>
    private TypesenseOptions SingleAttempt(string node)
    {
        var typesense = _options.Typesense;
        var options = new TypesenseOptions
        {
            ApiKey = typesense.ApiKey,
            ConnectionTimeout = typesense.ConnectionTimeout,
            ImportTimeout = typesense.ImportTimeout,
            HealthcheckInterval = typesense.HealthcheckInterval,
            MaxRetries = 0,
        };
        options.Nodes.Add(node);
        return options;
    }

    /// <summary>Runs one check and records its result; returns whether it passed.</summary>
    private async Task<bool> CheckAsync(List<CheckResult> results, string name, Func<Task<string>> check, CancellationToken cancellationToken)
    {
        try
        {
            results.Add(new CheckResult(name, CheckStatus.Passed, await check()));
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && Classify(name, e) is { } result)
        {
            results.Add(result);
            return false;
        }
    }

    /// <summary>The result of a check that threw; null for an exception that is not about the environment (a bug), which
    /// is not hidden.</summary>
    private CheckResult? Classify(string name, Exception exception) => exception switch
    {
        ConfigurationException or MappingConfigurationException or SchemaChangeException => new(name, CheckStatus.Failed, exception.Message),
        _ when ErrorClassifier.AsConfigurationError(exception) is { } configuration => new(name, CheckStatus.Failed, configuration.Message),
        _ when ErrorClassifier.IsTransient(exception) => new(name, CheckStatus.Unreachable, Unreachable.Describe(exception, _options)),
        PostgresException postgres => new(name, CheckStatus.Failed, $"PostgreSQL says: {postgres.MessageText}"),
        TypesenseException typesense => new(name, CheckStatus.Failed, typesense.Message),
        _ => null,
    };
}
