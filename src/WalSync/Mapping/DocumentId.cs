using System.Text;
using WalSync.Replication;

namespace WalSync.Mapping;

/// <summary>
/// Builds a document id from a row's key columns. One key column: its text form as it is. Several: each part's text
/// with <c>\</c> written as <c>\\</c> and <c>|</c> as <c>\|</c>, joined by <c>|</c>. The escaping makes the rule
/// injective: ("a|b", "c") gives <c>a\|b|c</c> and ("a", "b|c") gives <c>a|b\|c</c>.
/// </summary>
internal static class DocumentId
{
    private const byte Separator = (byte)'|';
    private const byte Escape = (byte)'\\';

    /// <summary>The length in bytes of the id of <paramref name="row"/>; every key column must hold a value.</summary>
    public static int GetByteCount(RowImage row, int[] keyColumns)
    {
        if (keyColumns.Length == 1)
        {
            return row.GetText(keyColumns[0]).Length;
        }
        var length = keyColumns.Length - 1;
        foreach (var column in keyColumns)
        {
            var part = row.GetText(column);
            length += part.Length + part.Count(Separator) + part.Count(Escape);
        }
        return length;
    }

    /// <summary>Writes the id of <paramref name="row"/> into <paramref name="destination"/> (<see cref="GetByteCount"/> bytes long).</summary>
    public static void Write(RowImage row, int[] keyColumns, Span<byte> destination)
    {
        if (keyColumns.Length == 1)
        {
            row.GetText(keyColumns[0]).CopyTo(destination);
            return;
        }
        var written = 0;
        for (var k = 0; k < keyColumns.Length; k++)
        {
            if (k > 0)
            {
                destination[written++] = Separator;
            }
            foreach (var b in row.GetText(keyColumns[k]))
            {
                if (b is Separator or Escape)
                {
                    destination[written++] = Escape;
                }
                destination[written++] = b;
            }
        }
    }

    /// <summary>The id of <paramref name="row"/> as a string.</summary>
    public static string ToString(RowImage row, int[] keyColumns)
    {
        if (keyColumns.Length == 1)
        {
            return Encoding.UTF8.GetString(row.GetText(keyColumns[0]));
        }
        var length = GetByteCount(row, keyColumns);
        var buffer = length <= 512 ? stackalloc byte[length] : new byte[length];
        Write(row, keyColumns, buffer);
        return Encoding.UTF8.GetString(buffer);
    }
}
