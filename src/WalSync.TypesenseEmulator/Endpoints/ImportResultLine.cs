using System.Text;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// One import result line, keys in byte order, compact: <c>{"success":true}</c> or
/// <c>{"code":400,"document":"…","error":"…","id":…,"success":false}</c>. <c>document</c> appears only with
/// <c>return_doc=true</c> (v28+), <c>id</c> only with <c>return_id=true</c> and a parsed id (v27+).
/// </summary>
internal static class ImportResultLine
{
    /// <summary>Appends the result of <paramref name="outcome"/> for the input <paramref name="line"/>.</summary>
    public static void Write(Utf8Buffer output, WriteOutcome outcome, ReadOnlySpan<byte> line, WriteParameters parameters, string? idJson)
    {
        var showId = parameters.ReturnId && idJson is not null;
        if (outcome.Success)
        {
            output.Write((byte)'{');
            if (parameters.ReturnDoc)
            {
                output.Write("\"document\":"u8);
                output.Write(outcome.Document!.Value.Json.Span);
                output.Write((byte)',');
            }

            if (showId)
            {
                output.Write("\"id\":"u8);
                output.WriteUtf8(idJson!);
                output.Write((byte)',');
            }

            output.Write("\"success\":true}"u8);
            return;
        }

        output.Write("{\"code\":"u8);
        output.WriteAscii(outcome.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (parameters.ReturnDoc)
        {
            output.Write(",\"document\":"u8);
            CanonicalJson.WriteString(output, Encoding.UTF8.GetString(line));
        }

        output.Write(",\"error\":"u8);
        CanonicalJson.WriteString(output, outcome.Error!);
        if (showId)
        {
            output.Write(",\"id\":"u8);
            output.WriteUtf8(idJson!);
        }

        output.Write(",\"success\":false}"u8);
    }
}
