using System.Text;

namespace WalSync.Tests.Replication;

/// <summary>Builds pgoutput messages byte by byte, as PostgreSQL sends them (protocol 1, text values).</summary>
internal sealed class PgOutputBytes
{
    private readonly List<byte> _bytes = [];

    public static PgOutputBytes Message(char type) => new PgOutputBytes().Byte((byte)type);

    public PgOutputBytes Byte(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public PgOutputBytes Int16(short value) => Big(BitConverter.GetBytes(value));

    public PgOutputBytes Int32(int value) => Big(BitConverter.GetBytes(value));

    public PgOutputBytes Int64(long value) => Big(BitConverter.GetBytes(value));

    public PgOutputBytes CString(string value)
    {
        _bytes.AddRange(Encoding.UTF8.GetBytes(value));
        return Byte(0);
    }

    /// <summary>TupleData: null is 'n', <see cref="Unchanged"/> is 'u', anything else 't' with its UTF-8 bytes.</summary>
    public PgOutputBytes Tuple(params string?[] values)
    {
        Int16((short)values.Length);
        foreach (var value in values)
        {
            if (value is null)
            {
                Byte((byte)'n');
            }
            else if (ReferenceEquals(value, Unchanged))
            {
                Byte((byte)'u');
            }
            else
            {
                var utf8 = Encoding.UTF8.GetBytes(value);
                Byte((byte)'t').Int32(utf8.Length);
                _bytes.AddRange(utf8);
            }
        }
        return this;
    }

    /// <summary>Pass to <see cref="Tuple"/> for an unchanged-TOAST column (compared by reference).</summary>
    public static readonly string Unchanged = new('u', 1);

    /// <summary>A Relation message: columns are (name, type OID, is key).</summary>
    public static byte[] Relation(uint oid, string schema, string name, char replicaIdentity, params (string Name, uint Type, bool Key)[] columns)
    {
        var message = Message('R').Int32((int)oid).CString(schema).CString(name).Byte((byte)replicaIdentity).Int16((short)columns.Length);
        foreach (var (column, type, key) in columns)
        {
            message.Byte(key ? (byte)1 : (byte)0).CString(column).Int32((int)type).Int32(-1);
        }
        return message.ToArray();
    }

    public byte[] ToArray() => [.. _bytes];

    private PgOutputBytes Big(byte[] littleEndian)
    {
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(littleEndian);
        }
        _bytes.AddRange(littleEndian);
        return this;
    }
}
