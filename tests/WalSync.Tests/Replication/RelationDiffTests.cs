using WalSync.Replication;

namespace WalSync.Tests.Replication;

/// <summary>Two versions of a relation's columns: what was added and what was retyped, by name.</summary>
public sealed class RelationDiffTests
{
    private static RelationInfo Relation(params ColumnInfo[] columns) => new(16384, "public", "items", ReplicaIdentity.Default, columns);

    [Fact]
    public void Compare_SameColumnsOtherKeyFlagsAndADroppedOne_IsEmpty()
    {
        var before = Relation(new("id", 23, -1, true), new("name", 25, -1, false), new("gone", 25, -1, false));
        // REPLICA IDENTITY FULL marks every column as key in a Relation message.
        var after = Relation(new("id", 23, -1, true), new("name", 25, -1, true));

        Assert.True(RelationDiff.Compare(before, after).IsEmpty);
    }

    [Fact]
    public void Compare_ColumnAddedAndTypeAndModifierChanged_ReportsEach()
    {
        var before = Relation(new("id", 23, -1, true), new("qty", 23, -1, false), new("code", 1043, 14, false));
        var after = Relation(new("id", 23, -1, true), new("qty", 1700, 393222, false), new("code", 1043, 24, false), new("status", 25, -1, false));

        var diff = RelationDiff.Compare(before, after);

        Assert.Equal(["status"], diff.Added.Select(c => c.Name));
        Assert.Equal(["qty", "code"], diff.Retyped.Select(r => r.Current.Name));
        Assert.Equal(23u, diff.Retyped[0].Previous.TypeOid);
        Assert.Equal(24, diff.Retyped[1].Current.TypeModifier);
    }
}
