using System.IO.Compression;
using System.Text;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Http;

/// <summary>Response writers with Typesense's content types and error body shapes.</summary>
/// <remarks>Typesense v29 <c>http_res</c> (include/http_data.h) and <c>HttpServer::send_response()</c>.</remarks>
internal static class HttpResults
{
    /// <summary>Default content type of JSON responses.</summary>
    public const string Json = "application/json; charset=utf-8";

    /// <summary>Content type of import and export responses.</summary>
    public const string Text = "text/plain; charset=utf-8";

    /// <summary>Content type of delete-by-filter responses (no charset).</summary>
    public const string JsonNoCharset = "application/json";

    /// <summary>Writes a complete response.</summary>
    public static Task WriteAsync(HttpContext context, int status, ReadOnlyMemory<byte> body, string contentType = Json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>Writes a canonical JSON body from a buffer.</summary>
    public static Task WriteAsync(HttpContext context, int status, Utf8Buffer body, string contentType = Json) =>
        WriteAsync(context, status, body.WrittenMemory, contentType);

    /// <summary>
    /// Writes the usual error shape <c>{"message": "…"}</c>: built by string concatenation in Typesense, so with a
    /// space after the colon and no escaping of the text.
    /// </summary>
    public static Task MessageAsync(HttpContext context, int status, string message, string contentType = Json) =>
        WriteAsync(context, status, Encoding.UTF8.GetBytes("{\"message\": \"" + message + "\"}"), contentType);

    /// <summary>Writes <see cref="ApiError"/> in the usual (spaced, unescaped) shape.</summary>
    public static Task ErrorAsync(HttpContext context, ApiError error, string contentType = Json) =>
        MessageAsync(context, error.Status, error.Message, contentType);

    /// <summary>Writes the compact, escaped shape <c>{"message":"…"}</c> (single-document POST and search errors).</summary>
    public static Task CompactMessageAsync(HttpContext context, int status, string message)
    {
        var body = new Utf8Buffer(message.Length + 16);
        body.Write("{\"message\":"u8);
        CanonicalJson.WriteString(body, message);
        body.Write((byte)'}');
        return WriteAsync(context, status, body);
    }

    /// <summary>
    /// Reads the whole request body. A body starting with the gzip magic bytes is decompressed, whatever
    /// <c>Content-Encoding</c> says (Typesense v26+ <c>ReplicationState::handle_gzip()</c>).
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var memory = new MemoryStream();
        await context.Request.Body.CopyToAsync(memory, context.RequestAborted);
        if (!IsGzip(memory.GetBuffer().AsSpan(0, (int)memory.Length)))
        {
            return memory.ToArray();
        }

        memory.Position = 0;
        using var gzip = new GZipStream(memory, CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await gzip.CopyToAsync(plain, context.RequestAborted);
        return plain.ToArray();
    }

    /// <summary>True if the bytes start with the gzip magic number 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B;
}
