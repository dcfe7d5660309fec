using System.Globalization;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>Writes the search response shape of Typesense v29 (keys in byte order).</summary>
internal static class SearchResponse
{
    /// <summary>Writes the response for one page of hits.</summary>
    public static void Write(
        Utf8Buffer output, EmulatorCollection collection, string q, int perPage, int page, int found,
        List<StoredDocument> hits, bool textQuery)
    {
        output.Write("{\"facet_counts\":[],\"found\":"u8);
        output.WriteAscii(found.ToString(CultureInfo.InvariantCulture));
        output.Write(",\"hits\":["u8);
        for (var i = 0; i < hits.Count; i++)
        {
            if (i > 0)
            {
                output.Write((byte)',');
            }

            output.Write("{\"document\":"u8);
            output.Write(hits[i].Json.Span);
            output.Write(",\"highlight\":{},\"highlights\":[]"u8);
            if (textQuery)
            {
                // Fixed scores: the emulator does not rank.
                output.Write(",\"text_match\":1157451471441100800,\"text_match_info\":{\"best_field_score\":\"1108091338752\",\"best_field_weight\":15,\"fields_matched\":1,\"num_tokens_dropped\":0,\"score\":\"1157451471441100800\",\"tokens_matched\":1,\"typo_prefix_score\":0}"u8);
            }

            output.Write((byte)'}');
        }

        output.Write("],\"out_of\":"u8);
        output.WriteAscii(collection.Documents.Count.ToString(CultureInfo.InvariantCulture));
        output.Write(",\"page\":"u8);
        output.WriteAscii(page.ToString(CultureInfo.InvariantCulture));
        output.Write(",\"request_params\":{\"collection_name\":"u8);
        CanonicalJson.WriteString(output, collection.Name);
        output.Write(",\"first_q\":"u8);
        CanonicalJson.WriteString(output, q);
        output.Write(",\"per_page\":"u8);
        output.WriteAscii(perPage.ToString(CultureInfo.InvariantCulture));
        output.Write(",\"q\":"u8);
        CanonicalJson.WriteString(output, q);
        output.Write("},\"search_cutoff\":false,\"search_time_ms\":0}"u8);
    }
}
