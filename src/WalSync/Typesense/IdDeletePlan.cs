using System.Buffers;
using System.Text;

namespace WalSync.Typesense;

/// <summary>
/// Splits ids to delete into <c>filter_by=id:[`a`,`b`]</c> query strings of bounded length, and the ids a filter
/// cannot express, which are deleted one by one by path.
/// </summary>
/// <remarks>
/// Filter grammar (https://typesense.org/docs/29.0/api/search.html#filter-parameters and Typesense's
/// <c>StringUtils::split_to_values()</c>): backticks protect ',', '(', ')', '&amp;&amp;', '||' and ':', but a backtick in
/// an id cannot be escaped, spaces at either end of a value are trimmed, and <c>*</c> matches every document.
/// One <c>id:[…]</c> list counts as one of the 100 filter operations allowed.
/// </remarks>
internal sealed class IdDeletePlan
{
    /// <summary>Upper bound of one request's query string in bytes, well under HTTP request-line limits (Typesense's is ~408 KiB).</summary>
    public const int DefaultMaxQueryBytes = 64 * 1024;

    /// <summary>Characters that keep an id out of a filter: backtick, backslash, control characters.</summary>
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        "`\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    private IdDeletePlan(List<string> filterQueries, List<string> pathIds)
    {
        FilterQueries = filterQueries;
        PathIds = pathIds;
    }

    /// <summary>Query strings <c>filter_by=…</c>, already percent-encoded, each at most the byte bound given.</summary>
    public IReadOnlyList<string> FilterQueries { get; }

    /// <summary>Ids to delete by <c>DELETE /collections/:c/documents/:id</c>.</summary>
    public IReadOnlyList<string> PathIds { get; }

    /// <summary>Plans the deletion of <paramref name="ids"/>; empty ids are skipped (Typesense never stores one).</summary>
    public static IdDeletePlan Create(IEnumerable<string> ids, int maxQueryBytes = DefaultMaxQueryBytes)
    {
        const string head = "filter_by=id%3A%5B"; // filter_by=id:[
        const string tail = "%5D";                 // ]
        const string tick = "%60";                 // `
        const string comma = "%2C";                // ,
        var queries = new List<string>();
        var pathIds = new List<string>();
        var query = new StringBuilder(head);
        var inQuery = 0;
        foreach (var id in ids)
        {
            if (id.Length == 0)
            {
                continue;
            }

            if (!FilterCanExpress(id))
            {
                pathIds.Add(id);
                continue;
            }

            var escaped = Uri.EscapeDataString(id);
            var added = escaped.Length + (2 * tick.Length) + (inQuery > 0 ? comma.Length : 0);
            if (inQuery > 0 && query.Length + added + tail.Length > maxQueryBytes)
            {
                queries.Add(query.Append(tail).ToString());
                query.Clear().Append(head);
                inQuery = 0;
            }

            if (head.Length + escaped.Length + (2 * tick.Length) + tail.Length > maxQueryBytes)
            {
                pathIds.Add(id); // too long for any filter
                continue;
            }

            query.Append(inQuery > 0 ? comma : "").Append(tick).Append(escaped).Append(tick);
            inQuery++;
        }

        if (inQuery > 0)
        {
            queries.Add(query.Append(tail).ToString());
        }

        return new IdDeletePlan(queries, pathIds);
    }

    /// <summary>
    /// Whether <c>id:[`id`]</c> matches exactly this id: no backtick (cannot be escaped), not <c>*</c> (matches all),
    /// no space at either end (trimmed), no backslash or control character (not reliably carried by the tokenizer).
    /// </summary>
    public static bool FilterCanExpress(string id) =>
        id.Length > 0
        && id != "*"
        && id[0] != ' '
        && id[^1] != ' '
        && !id.AsSpan().ContainsAny(Unsafe);
}
