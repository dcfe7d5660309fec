using System.Buffers;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Tests.Mapping;

/// <summary>The per-row hot path writes documents without allocating once its buffers have grown.</summary>
public class DocumentMapperAllocationTests
{
    [Fact]
    public void WriteDocument_ProductsRowAfterWarmUp_AllocatesNothing()
    {
        var relation = new RelationInfo(16384, "public", "products", ReplicaIdentity.Default,
        [
            new ColumnInfo("id", 2950, -1, true), new ColumnInfo("product_name", 25, -1, false), new ColumnInfo("description", 25, -1, false),
            new ColumnInfo("price", 1700, -1, false), new ColumnInfo("updated_at", 1184, -1, false), new ColumnInfo("user_id", 2950, -1, false),
        ]);
        var mapper = new DocumentMapper(relation, ["id"], new TableOptions { Table = "public.products" }, PgTypeCatalog.BuiltIn);
        var row = MappingTestData.Row("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "Lamp", new string('d', 200), "19.99",
            "2024-03-05 13:15:16.123456+00", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12");
        var output = new ArrayBufferWriter<byte>(1 << 20);
        for (var i = 0; i < 100; i++)
        {
            mapper.WriteDocument(row, output, partial: false);
        }
        output.ResetWrittenCount();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(mapper.WriteDocument(row, output, partial: false).Success);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
