using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Pipeline;

/// <summary>Coalescing of the changes to one document within a batch: the result must be what applying them in commit
/// order to the document Typesense holds would give.</summary>
public class CollectionBatchTests
{
    private static readonly RelationInfo Items = Relation(("k", 23), ("note", 25), ("big", 25));
    private static readonly DocumentMapper Mapper = MapperFor(Items);

    [Fact]
    public void Apply_PartialUpdateAfterWholeRow_MergesIntoWholeRow()
    {
        var batch = NewBatch();
        batch.Apply("1", Change(DocumentOperation.Upsert, Row("1", "a", "large")));
        batch.Apply("1", Change(DocumentOperation.PartialUpdate, Row("1", "b", Unchanged)));

        var change = batch.Changes["1"];
        Assert.Equal(DocumentOperation.Upsert, change.Operation);
        Assert.Equal(Row("1", "b", "large"), change.Row);
    }

    [Fact]
    public void Apply_PartialUpdateAfterPartialUpdate_StaysPartialWithNewestValues()
    {
        var batch = NewBatch();
        batch.Apply("1", Change(DocumentOperation.PartialUpdate, Row("1", "a", Unchanged)));
        batch.Apply("1", Change(DocumentOperation.PartialUpdate, Row("1", "b", Unchanged)));

        Assert.Equal(DocumentOperation.PartialUpdate, batch.Changes["1"].Operation);
        Assert.Equal(Row("1", "b", Unchanged), batch.Changes["1"].Row);
    }

    // Regression: DELETE 1; UPDATE 2 SET k = 1 (unchanged TOAST) merged row 2's update into row 1's old document.
    [Fact]
    public void Apply_PartialUpdateAfterDeleteOfSameDocument_ReadsRowBack()
    {
        var batch = NewBatch();
        batch.Apply("1", Change(DocumentOperation.Delete, default));
        batch.Apply("1", Change(DocumentOperation.PartialUpdate, Row("1", "moved", Unchanged)));

        Assert.Equal(DocumentOperation.Reload, batch.Changes["1"].Operation);
        Assert.Equal(Row("1", "moved", Unchanged), batch.Changes["1"].Row);
    }

    // Regression: an update after ALTER TABLE was merged into the document as it was before the batch, losing the
    // earlier change of the batch that it replaced.
    [Fact]
    public void Apply_PartialUpdateAfterRowOfOtherRelationVersion_ReadsRowBack()
    {
        var altered = MapperFor(Relation(("k", 23), ("note", 25), ("big", 25), ("added", 23)));
        var batch = NewBatch();
        batch.Apply("1", Change(DocumentOperation.Upsert, Row("1", "a", "new large")));
        batch.Apply("1", new PendingChange(DocumentOperation.PartialUpdate, Row("1", "a", Unchanged, "5"), altered, new NpgsqlLogSequenceNumber(2)));

        Assert.Equal(DocumentOperation.Reload, batch.Changes["1"].Operation);
        Assert.Same(altered, batch.Changes["1"].Mapper);
    }

    [Fact]
    public void Apply_PartialUpdateAfterReload_StaysReload()
    {
        var batch = NewBatch();
        batch.Apply("1", Change(DocumentOperation.Delete, default));
        batch.Apply("1", Change(DocumentOperation.PartialUpdate, Row("1", "a", Unchanged)));
        batch.Apply("1", Change(DocumentOperation.PartialUpdate, Row("1", "b", Unchanged)));

        Assert.Equal(DocumentOperation.Reload, batch.Changes["1"].Operation);
    }

    [Fact]
    public void Apply_WholeRowOrDeleteAfterAnyChange_LastChangeWins()
    {
        var batch = NewBatch();
        batch.Apply("1", Change(DocumentOperation.PartialUpdate, Row("1", "a", Unchanged)));
        batch.Apply("1", Change(DocumentOperation.Delete, default));
        batch.Apply("2", Change(DocumentOperation.Delete, default));
        batch.Apply("2", Change(DocumentOperation.Upsert, Row("2", "back", "x")));

        Assert.Equal(DocumentOperation.Delete, batch.Changes["1"].Operation);
        Assert.Equal(DocumentOperation.Upsert, batch.Changes["2"].Operation);
        Assert.Equal(Row("2", "back", "x"), batch.Changes["2"].Row);
    }

    [Fact]
    public void Truncate_BetweenChanges_KeepsOnlyTheChangesAfterIt()
    {
        var batch = NewBatch();
        batch.Apply("1", Change(DocumentOperation.Upsert, Row("1", "before", "x")));
        batch.Truncate();
        batch.Apply("2", Change(DocumentOperation.Upsert, Row("2", "after", "y")));

        Assert.True(batch.TruncateFirst);
        Assert.Equal(["2"], batch.Changes.Keys);
    }

    [Fact]
    public void AddBackfilled_ThenAChangeToOneOfTheirDocuments_TheChangeWinsAndTheOthersKeepTheirRows()
    {
        var batch = NewBatch();
        batch.AddBackfilled(Row("1", "read", "x"), Mapper);
        batch.AddBackfilled(Row("2", "read", "y"), Mapper);
        Assert.Empty(batch.Changes);
        Assert.Equal(2, batch.Count);

        batch.Apply("2", Change(DocumentOperation.PartialUpdate, Row("2", "streamed", Unchanged)));

        Assert.Empty(batch.Backfilled);
        Assert.Equal(Row("1", "read", "x"), batch.Changes["1"].Row);
        Assert.Equal((DocumentOperation.Upsert, Row("2", "streamed", "y")), (batch.Changes["2"].Operation, batch.Changes["2"].Row));
    }

    [Fact]
    public void AddBackfilled_SoftDeletedRow_DeleteByItsId()
    {
        var mapper = new DocumentMapper(Items, ["k"], new TableOptions { Table = "public.items", SoftDeleteColumn = "note" }, PgTypeCatalog.BuiltIn);
        var batch = NewBatch();
        batch.AddBackfilled(Row("3", "gone", "x"), mapper);
        batch.AddBackfilled(Row("4", null, "y"), mapper);

        Assert.Equal(DocumentOperation.Delete, Assert.Single(batch.Changes, c => c.Key == "3").Value.Operation);
        Assert.Equal(Row("4", null, "y"), Assert.Single(batch.Backfilled).Row);
    }

    [Fact]
    public void Truncate_AfterBackfilledRows_DropsThem()
    {
        var batch = NewBatch();
        batch.AddBackfilled(Row("1", "read", "x"), Mapper);

        batch.Truncate();

        Assert.Equal(0, batch.Count);
    }

    private static CollectionBatch NewBatch() =>
        new(new TableBinding(new SourceTable(new TableOptions { Table = "public.items" }, Items, ["k"], ["integer"], false), "items"));

    private static PendingChange Change(DocumentOperation operation, RowImage row) => new(operation, row, Mapper, new NpgsqlLogSequenceNumber(1));

    private static DocumentMapper MapperFor(RelationInfo relation) => new(relation, ["k"], new TableOptions { Table = "public.items" }, PgTypeCatalog.BuiltIn);
}
