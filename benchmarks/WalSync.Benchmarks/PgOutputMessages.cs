using System.Buffers.Binary;
using System.Text;

namespace WalSync.Benchmarks;

/// <summary>A row shape's rows as the pgoutput Relation and Insert messages PostgreSQL sends for them (text values).</summary>
/// <remarks>https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html</remarks>
internal static class PgOutputMessages
{
    /// <summary>The Relation message describing <paramref name="shape"/>.</summary>
    public static byte[] Relation(RowShape shape)
    {
        var relation = shape.Relation;
        using var message = new MemoryStream();
        message.WriteByte((byte)'R');
        Int32(message, (int)relation.RelationId);
        CString(message, relation.Namespace);
        CString(message, relation.Name);
        message.WriteByte((byte)relation.ReplicaIdentity);
        Int16(message, (short)relation.Columns.Count);
        foreach (var column in relation.Columns)
        {
            message.WriteByte(column.IsKey ? (byte)1 : (byte)0);
            CString(message, column.Name);
            Int32(message, (int)column.TypeOid);
            Int32(message, column.TypeModifier);
        }
        return message.ToArray();
    }

    /// <summary>The Insert message of row <paramref name="i"/> of <paramref name="shape"/>.</summary>
    public static byte[] Insert(RowShape shape, int i)
    {
        using var message = new MemoryStream();
        message.WriteByte((byte)'I');
        Int32(message, (int)shape.Relation.RelationId);
        message.WriteByte((byte)'N');
        var values = shape.ValueBytes(i);
        Int16(message, (short)values.Length);
        foreach (var value in values)
        {
            if (value is null)
            {
                message.WriteByte((byte)'n');
                continue;
            }
            message.WriteByte((byte)'t');
            Int32(message, value.Length);
            message.Write(value);
        }
        return message.ToArray();
    }

    private static void Int16(Stream stream, short value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void Int32(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void CString(Stream stream, string value)
    {
        stream.Write(Encoding.UTF8.GetBytes(value));
        stream.WriteByte(0);
    }
}
