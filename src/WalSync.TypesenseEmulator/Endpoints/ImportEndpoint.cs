using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// <c>POST /collections/:c/documents/import</c>: JSONL in, one result line per non-empty input line out, always 200
/// once the parameters are valid. The body is read as a stream; the lines of each received chunk are written under
/// the collection's lock, so writes stay serialised while a large import runs.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#index-multiple-documents; Typesense §4 of the reference.</remarks>
internal static class ImportEndpoint
{
    private const int FlushThreshold = 64 * 1024;

    /// <summary>Handles the request.</summary>
    public static async Task HandleAsync(RequestContext context)
    {
        if (await WriteParameters.ReadTargetAsync(context, checkBatchSize: true) is not { } target)
        {
            return;
        }

        var (parameters, collection) = target;

        var response = context.Http.Response;
        response.StatusCode = 200;
        response.ContentType = HttpResults.Text;
        var session = new ImportSession(collection, parameters, WriteParameters.Dirty(context.Query, collection));
        var reader = await BodyReaderAsync(context);
        var output = response.BodyWriter;
        while (true)
        {
            var read = await reader.ReadAsync(context.Http.RequestAborted);
            var buffer = read.Buffer;
            var consumed = session.WriteLines(ref buffer, read.IsCompleted);
            reader.AdvanceTo(consumed, read.Buffer.End);
            if (session.Results.Length >= FlushThreshold || read.IsCompleted)
            {
                await FlushAsync(session.Results, output, context.Http.RequestAborted);
            }

            if (read.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync();
    }

    // A gzip body (magic bytes 1f 8b, whatever the headers say) is decompressed on the fly (Typesense v26+).
    private static async Task<PipeReader> BodyReaderAsync(RequestContext context)
    {
        var reader = context.Http.Request.BodyReader;
        var head = await reader.ReadAtLeastAsync(2, context.Http.RequestAborted);
        var gzip = HttpResults.IsGzip(head.Buffer.Slice(0, Math.Min(2, head.Buffer.Length)).ToArray());
        reader.AdvanceTo(head.Buffer.Start);
        return gzip
            ? PipeReader.Create(new GZipStream(context.Http.Request.Body, CompressionMode.Decompress))
            : reader;
    }

    private static async Task FlushAsync(Utf8Buffer results, PipeWriter output, CancellationToken cancellationToken)
    {
        if (results.Length == 0)
        {
            return;
        }

        await output.WriteAsync(results.WrittenMemory, cancellationToken);
        results.Clear();
    }

    /// <summary>State of one import request: the writer, the result lines and the previous line's id.</summary>
    private sealed class ImportSession
    {
        private readonly EmulatorCollection _collection;
        private readonly WriteParameters _parameters;
        private readonly DirtyValues _dirty;
        private readonly DocumentWriter _writer;
        private bool _anyLine;
        private string? _previousIdJson;

        public ImportSession(EmulatorCollection collection, WriteParameters parameters, DirtyValues dirty)
        {
            _collection = collection;
            _parameters = parameters;
            _dirty = dirty;
            _writer = new DocumentWriter(collection);
        }

        public Utf8Buffer Results { get; } = new(FlushThreshold + 4096);

        // Writes every complete line (and the final one when the body is complete); returns the end of what was used.
        public SequencePosition WriteLines(ref ReadOnlySequence<byte> buffer, bool isCompleted)
        {
            lock (_collection.Gate)
            {
                while (true)
                {
                    var newline = buffer.PositionOf((byte)'\n');
                    if (newline is null)
                    {
                        if (isCompleted && buffer.Length > 0)
                        {
                            WriteLine(buffer);
                            buffer = buffer.Slice(buffer.End);
                        }

                        return buffer.Start;
                    }

                    WriteLine(buffer.Slice(0, newline.Value));
                    buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                }
            }
        }

        private void WriteLine(ReadOnlySequence<byte> line)
        {
            // Typesense drops empty strings after splitting on '\n' but does not trim: "\r" or " " is a bad line.
            if (line.Length == 0)
            {
                return;
            }

            var bytes = line.IsSingleSegment ? line.First : line.ToArray();
            var outcome = _writer.Write(bytes, _parameters.Action, _dirty, wantIdJson: _parameters.ReturnId);
            if (outcome.Parsed)
            {
                _previousIdJson = outcome.IdJson;
            }

            if (_anyLine)
            {
                Results.Write((byte)'\n');
            }

            _anyLine = true;
            ImportResultLine.Write(Results, outcome, bytes.Span, _parameters, outcome.Parsed ? outcome.IdJson : _previousIdJson);
        }
    }
}
