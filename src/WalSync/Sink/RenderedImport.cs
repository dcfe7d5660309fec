using System.Buffers;
using WalSync.Pipeline;

namespace WalSync.Sink;

/// <summary>
/// Documents rendered into one import body (JSON lines), with the rows that could not be mapped already given their
/// outcome: what <see cref="DocumentImporter"/> sends. Made once, it can be sent to each collection of a table (two while
/// a rebuild fills a new version). <see cref="Dispose"/> returns the pooled arrays; nothing of it may be used after.
/// </summary>
internal sealed class RenderedImport : IDisposable
{
    private readonly int[] _documentOfLine;
    private readonly int[] _lineStarts;

    private RenderedImport(int documents)
    {
        // The body and the line index come from pools: for a full batch they are megabytes and thousands of entries.
        Body = new PooledBufferWriter(documents * 512);
        _documentOfLine = ArrayPool<int>.Shared.Rent(Math.Max(documents, 1));
        _lineStarts = ArrayPool<int>.Shared.Rent(documents + 1);
        Unmapped = new ImportOutcomes(documents);
    }

    /// <summary>The import body: one line per mapped document.</summary>
    public PooledBufferWriter Body { get; }

    /// <summary>Lines in <see cref="Body"/>.</summary>
    public int Lines { get; private set; }

    /// <summary>Documents rendered (mapped or not).</summary>
    public int Documents => Unmapped.Count;

    /// <summary>Per document: its rejection when its row could not be mapped, written otherwise.</summary>
    public ImportOutcomes Unmapped { get; }

    /// <summary>Maps <paramref name="documents"/> into an import body: whole documents, or partial ones when
    /// <paramref name="partial"/> (an <c>action=update</c> import).</summary>
    public static RenderedImport Render(ArraySegment<KeyValuePair<string, PendingChange>> documents, bool partial)
    {
        var rendered = new RenderedImport(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            var change = documents[i].Value;
            var start = rendered.Body.WrittenCount;
            var mapped = change.Mapper.WriteDocument(change.Row, change.Nested.Span, rendered.Body, partial);
            if (mapped.Success)
            {
                rendered._documentOfLine[rendered.Lines] = i;
                rendered._lineStarts[rendered.Lines++] = start;
            }
            else
            {
                rendered.Unmapped.SetNotWritten(i, ImportOutcome.Rejected(mapped.Error ?? "the row could not be mapped", null));
            }
        }
        rendered._lineStarts[rendered.Lines] = rendered.Body.WrittenCount;
        return rendered;
    }

    /// <summary>The document (index into what was rendered) that line <paramref name="line"/> holds.</summary>
    public int DocumentOf(int line) => _documentOfLine[line];

    /// <summary>Line <paramref name="line"/> of the body, without its newline.</summary>
    public ReadOnlySpan<byte> Line(int line) => Body.WrittenSpan[_lineStarts[line]..(_lineStarts[line + 1] - 1)];

    /// <inheritdoc/>
    public void Dispose()
    {
        Body.Dispose();
        ArrayPool<int>.Shared.Return(_documentOfLine);
        ArrayPool<int>.Shared.Return(_lineStarts);
    }
}
