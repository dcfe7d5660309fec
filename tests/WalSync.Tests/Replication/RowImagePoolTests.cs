using WalSync.Replication;
using WalSync.Tests.Mapping;

namespace WalSync.Tests.Replication;

public sealed class RowImagePoolTests
{
    [Fact]
    public void Build_InPooledArray_ReadsLikeAnExactOne()
    {
        var pool = new RowImagePool();
        var exact = Build(null, "a", null, "ccc");
        var pooled = Build(pool, "a", null, "ccc");

        Assert.Equal(0, pooled.SizeInBytes % RowImagePool.Step);
        Assert.True(pooled.SizeInBytes > exact.SizeInBytes);
        Assert.Equal(exact, pooled);
        Assert.Equal(exact.GetHashCode(), pooled.GetHashCode());
        Assert.Equal("ccc", pooled.GetString(2));
        Assert.Equal(ColumnValueKind.Null, pooled.GetKind(1));
    }

    [Fact]
    public void Rent_AfterReturn_GivesTheSameArrayForARowOfTheSameSizeClass()
    {
        var pool = new RowImagePool();
        var first = Build(pool, "first row");
        var array = first.Buffer;

        pool.Return([first]);
        var second = Build(pool, "second!!!");

        Assert.Same(array, second.Buffer);
        Assert.Equal("second!!!", second.GetString(0));
    }

    [Fact]
    public void Rent_RowLargerThanPooled_GetsItsOwnArrayWhichIsNotKept()
    {
        var pool = new RowImagePool();
        var large = Build(pool, new string('x', RowImagePool.LargestPooled));

        pool.Return([large]);
        var again = Build(pool, new string('y', RowImagePool.LargestPooled));

        Assert.NotSame(large.Buffer, again.Buffer);
        Assert.Equal(new string('y', RowImagePool.LargestPooled), again.GetString(0));
    }

    [Fact]
    public void Return_BeyondItsLimit_KeepsNoMoreBytesThanThat()
    {
        var pool = new RowImagePool(maxBytes: 2 * RowImagePool.Step);
        RowImage[] rows = [Build(pool, "a"), Build(pool, "b"), Build(pool, "c")];

        pool.Return(rows);
        RowImage[] again = [Build(pool, "d"), Build(pool, "e"), Build(pool, "f")];

        // Two arrays of one step each fit the limit; the third was left to the GC, so a new one is made for it.
        Assert.Equal(2, again.Count(r => rows.Any(old => ReferenceEquals(old.Buffer, r.Buffer))));
        Assert.Equal(["d", "e", "f"], again.Select(r => r.GetString(0)));
    }

    private static RowImage Build(RowImagePool? pool, params string?[] values) => MappingTestData.RowIn(pool, values);
}
