using Microsoft.Extensions.Logging.Abstractions;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Tests.Pipeline;
using WalSync.Tests.Typesense;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Sink;

/// <summary><c>Typesense:MaxConcurrentImports</c> is enforced in one place, the sink's parallel flush of collections.</summary>
public sealed class TypesenseSinkConcurrencyTests : IDeadLetterStore
{
    [Fact]
    public async Task FlushAsync_SixCollections_AtMostParallelismRequestsInFlight()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Port = 0, ApiKey = "concurrency-key" });
        var recorder = new RecordingHandler();
        var options = new TypesenseOptions { ApiKey = emulator.ApiKey };
        options.Nodes.Add(emulator.Url.ToString());
        using var client = new TypesenseClient(options, NullLogger<TypesenseClient>.Instance, null, recorder);
        var schemas = new CollectionSchemaSync(client, NullLogger.Instance);
        var batch = new Batch { TransactionEndLsn = new NpgsqlLogSequenceNumber(0x100) };
        for (var i = 0; i < 6; i++)
        {
            var table = new TableOptions { Table = "public.items", Collection = $"items_{i}" };
            var mapper = new DocumentMapper(ChangeScript.Items, ["k"], table, PgTypeCatalog.BuiltIn);
            await schemas.EnsureAsync(table.CollectionName, mapper, CancellationToken.None);
            var binding = new TableBinding(new SourceTable(table, ChangeScript.Items, ["k"], ["integer"], IsPartitioned: false), table.CollectionName);
            batch.For(binding).Apply("1", new PendingChange(DocumentOperation.Upsert, Row("1", "note", "big"), mapper, default));
        }
        var sink = new TypesenseSink(client, schemas, this, Npgsql.NpgsqlDataSource.Create("Host=unused.invalid"), parallelism: 2, NullLogger.Instance);
        emulator.Faults.SetDelay(TimeSpan.FromMilliseconds(100));

        await sink.FlushAsync(batch, CancellationToken.None);

        Assert.Equal(2, recorder.MaxInFlight);
        for (var i = 0; i < 6; i++)
        {
            Assert.Single(await client.ExportAsync($"items_{i}", CancellationToken.None));
        }
    }

    Task IDeadLetterStore.InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IDeadLetterStore.WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("No document should be rejected.");
}
