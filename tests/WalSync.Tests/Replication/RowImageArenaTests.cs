using WalSync.Replication;
using WalSync.Tests.Mapping;

namespace WalSync.Tests.Replication;

public sealed class RowImageArenaTests
{
    [Fact]
    public void Build_RowsInOneBlock_EachReadsAsBuilt()
    {
        var arena = new RowImageArena();
        var builder = new RowImageBuilder();

        var first = Build(builder, arena, "a", null, "ccc");
        var second = Build(builder, arena, "dd", "e", null);
        builder.Start(2);
        builder.AddBinaryValue(BinaryType.Int4, [0, 0, 1, 0], new Dictionary<uint, BinaryType>());
        builder.AddUnchangedToast();
        var third = builder.Build(arena);

        Assert.Same(first.Buffer, second.Buffer);
        Assert.Same(first.Buffer, third.Buffer);
        Assert.Equal(Build(builder, null, "a", null, "ccc"), first);
        Assert.Equal(3, second.ColumnCount);
        Assert.Equal("dd", second.GetString(0));
        Assert.Equal("e", second.GetString(1));
        Assert.Equal(ColumnValueKind.Null, second.GetKind(2));
        Assert.Equal("256", third.GetString(0));
        Assert.Equal(ColumnValueKind.UnchangedToast, third.GetKind(1));
        Assert.Equal(RowImageArena.BlockBytes, arena.SizeInBytes);
    }

    [Fact]
    public void Take_PastABlock_StartsANewOne()
    {
        var arena = new RowImageArena();
        var builder = new RowImageBuilder();
        var value = new string('x', (RowImageArena.BlockBytes / 4) - 100);

        var rows = Enumerable.Range(0, 5).Select(_ => Build(builder, arena, value)).ToList();

        Assert.Equal(2, rows.Select(r => r.Buffer).Distinct().Count());
        Assert.Equal(2 * RowImageArena.BlockBytes, arena.SizeInBytes);
        Assert.All(rows, r => Assert.Equal(value, r.GetString(0)));
    }

    [Fact]
    public void Take_RowLargerThanAQuarterBlock_GetsItsOwnArray()
    {
        var arena = new RowImageArena();
        var builder = new RowImageBuilder();
        var value = new string('y', RowImageArena.BlockBytes / 2);

        var small = Build(builder, arena, "s");
        var large = Build(builder, arena, value);

        Assert.NotSame(small.Buffer, large.Buffer);
        Assert.Equal(value, large.GetString(0));
        Assert.Equal("s", small.GetString(0));
    }

    [Fact]
    public void Reset_GivesTheRoomToTheNextRowsWithoutANewBlock()
    {
        var arena = new RowImageArena();
        var builder = new RowImageBuilder();
        var before = Build(builder, arena, "before");

        arena.Reset();
        var after = Build(builder, arena, "after!");

        Assert.Same(before.Buffer, after.Buffer);
        Assert.Equal(RowImageArena.BlockBytes, arena.SizeInBytes);
        Assert.Equal("after!", after.GetString(0));
    }

    private static RowImage Build(RowImageBuilder builder, RowImageArena? arena, params string?[] values) =>
        arena is null ? MappingTestData.Row(values) : MappingTestData.RowIn(arena, builder, values);
}
