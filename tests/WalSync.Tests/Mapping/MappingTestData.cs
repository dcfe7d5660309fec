using System.Buffers;
using System.Text;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Tests.Mapping;

/// <summary>Hand-built relations and rows for mapping tests.</summary>
internal static class MappingTestData
{
    /// <summary>Pass as a value to <see cref="Row"/> for an unchanged-TOAST column (compared by reference).</summary>
    public static readonly string Unchanged = new('u', 1);

    public static RelationInfo Relation(params (string Name, uint TypeOid)[] columns) =>
        new(16384, "public", "items", ReplicaIdentity.Default, columns.Select(c => new ColumnInfo(c.Name, c.TypeOid, -1, false)).ToArray());

    /// <summary>A row: null is NULL, <see cref="Unchanged"/> is unchanged TOAST, anything else is text.</summary>
    public static RowImage Row(params string?[] values) => RowIn(null, values);

    /// <summary>Like <see cref="Row"/>, in an array of <paramref name="pool"/> when given.</summary>
    public static RowImage RowIn(RowImagePool? pool, params string?[] values) => Start(new RowImageBuilder(), values).Build(pool);

    /// <summary>Like <see cref="Row"/>, in room taken from <paramref name="arena"/>, built with <paramref name="builder"/>.</summary>
    public static RowImage RowIn(RowImageArena arena, RowImageBuilder builder, params string?[] values) => Start(builder, values).Build(arena);

    private static RowImageBuilder Start(RowImageBuilder builder, string?[] values)
    {
        builder.Start(values.Length);
        foreach (var value in values)
        {
            if (value is null)
            {
                builder.AddNull();
            }
            else if (ReferenceEquals(value, Unchanged))
            {
                builder.AddUnchangedToast();
            }
            else
            {
                builder.AddText(value);
            }
        }
        return builder;
    }

    /// <summary>A mapper for a table keyed by an integer column "k" followed by one column "v" of type <paramref name="typeOid"/>.</summary>
    public static DocumentMapper SingleValueMapper(uint typeOid, PgTypeCatalog? types = null) =>
        new(Relation(("k", 23), ("v", typeOid)), ["k"], new TableOptions { Table = "public.items" }, types ?? PgTypeCatalog.BuiltIn);

    /// <summary>Maps <paramref name="row"/> and returns the result and what was written (as text).</summary>
    public static (MappingResult Result, string Written) Write(DocumentMapper mapper, RowImage row, bool partial = false)
    {
        var output = new ArrayBufferWriter<byte>();
        var result = mapper.WriteDocument(row, output, partial);
        return (result, Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
