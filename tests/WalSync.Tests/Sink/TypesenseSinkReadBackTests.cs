using Microsoft.Extensions.Logging.Abstractions;
using NpgsqlTypes;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Sink;
using WalSync.Replication;
using WalSync.Tests.Infrastructure;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Sink;

/// <summary>
/// Updates the sink cannot send as partial documents: the row is read back from PostgreSQL by key and written whole,
/// or skipped when the row is gone or soft-deleted (the change that removed it comes later in the stream).
/// </summary>
#pragma warning disable CA1001 // The source database is disposed in DisposeAsync (IAsyncLifetime).
public sealed class TypesenseSinkReadBackTests : IAsyncLifetime, IDeadLetterStore
#pragma warning restore CA1001
{
    private readonly List<DeadLetter> _deadLetters = [];
    private SyncHarness _harness = null!;
    private SourceDatabase _source = null!;
    private TableBinding _binding = null!;
    private DocumentMapper _mapper = null!;
    private TypesenseSink _sink = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("readback");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id integer PRIMARY KEY, note text, big text, deleted boolean);
            INSERT INTO items VALUES (1, 'one', 'large one', false), (2, 'two', 'large two', true);
            """);
        var options = _harness.Options(("public.items", "items"));
        options.Tables[0].SoftDeleteColumn = "deleted";
        _source = new SourceDatabase(options.Postgres, NullLogger.Instance);
        var table = await _source.DescribeTableAsync(options.Tables[0], CancellationToken.None);
        await using (var connection = await _source.DataSource.OpenConnectionAsync())
        {
            _mapper = new DocumentMapper(table.Relation, table.KeyColumns, table.Options, await PgTypeCatalog.LoadAsync(connection, CancellationToken.None));
        }
        _binding = new TableBinding(table, table.Options.CollectionName);
        var schemas = new CollectionSchemaSync(_harness.Client, NullLogger.Instance);
        await schemas.EnsureAsync(_binding.Collection, _mapper, CancellationToken.None);
        _sink = new TypesenseSink(_harness.Client, schemas, this, _source.DataSource, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task FlushAsync_ReloadOfExistingRow_WritesWholeRow()
    {
        await FlushAsync(DocumentOperation.Reload, Row("1", "one", Unchanged, "f"));

        var document = (await _harness.DocumentsAsync("items"))["1"];
        Assert.Equal("large one", document["big"]!.GetValue<string>());
        Assert.Empty(_deadLetters);
    }

    [Fact]
    public async Task FlushAsync_PartialUpdateOfMissingDocumentWhoseRowIsGone_WritesNothing()
    {
        await FlushAsync(DocumentOperation.PartialUpdate, Row("9", "gone", Unchanged, "f"));

        Assert.Empty(await _harness.DocumentsAsync("items"));
        Assert.Empty(_deadLetters);
    }

    // Regression: a row read back after its update found no document was upserted even when it was soft-deleted since.
    [Fact]
    public async Task FlushAsync_PartialUpdateOfMissingDocumentWhoseRowIsSoftDeletedNow_WritesNothing()
    {
        await FlushAsync(DocumentOperation.PartialUpdate, Row("2", "two", Unchanged, "f"));

        Assert.Empty(await _harness.DocumentsAsync("items"));
        Assert.Empty(_deadLetters);
    }

    Task IDeadLetterStore.InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IDeadLetterStore.WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        _deadLetters.AddRange(deadLetters);
        return Task.CompletedTask;
    }

    private async Task FlushAsync(DocumentOperation operation, RowImage row)
    {
        var changes = new CollectionBatch(_binding);
        changes.Apply(_mapper.GetDocumentId(row), new PendingChange(operation, row, _mapper, new NpgsqlLogSequenceNumber(1)));
        await _sink.FlushAsync(changes, CancellationToken.None);
    }
}
