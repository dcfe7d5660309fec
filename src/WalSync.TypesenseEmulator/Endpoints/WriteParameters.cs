using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// Query parameters of imports and single-document writes, validated in Typesense v29's order
/// (<c>post_import_documents()</c>): <c>batch_size</c>, <c>action</c>, <c>return_doc</c>, <c>return_id</c>.
/// </summary>
internal sealed class WriteParameters
{
    /// <summary>The write action (default create).</summary>
    public WriteAction Action { get; private init; }

    /// <summary>Whether result lines carry the document.</summary>
    public bool ReturnDoc { get; private init; }

    /// <summary>Whether result lines carry the id.</summary>
    public bool ReturnId { get; private init; }

    /// <summary>Reads the parameters; returns an error for an invalid one.</summary>
    public static ApiError? Read(QueryParameters query, bool checkBatchSize, out WriteParameters? parameters)
    {
        parameters = null;
        if (checkBatchSize && query["batch_size"] is { } batchSize && !(uint.TryParse(batchSize, out var size) && size > 0))
        {
            return new ApiError(400, "Parameter `batch_size` must be a positive integer.");
        }

        WriteAction? action = (query["action"] ?? "create") switch
        {
            "create" => WriteAction.Create,
            "upsert" => WriteAction.Upsert,
            "update" => WriteAction.Update,
            "emplace" => WriteAction.Emplace,
            _ => null,
        };
        if (action is null)
        {
            return new ApiError(400, "Parameter `action` must be a create|update|upsert.");
        }

        var returnDoc = query["return_doc"] ?? "false";
        if (returnDoc is not ("true" or "false"))
        {
            return new ApiError(400, "Parameter `return_doc` must be a true|false.");
        }

        var returnId = query["return_id"] ?? "false";
        if (returnId is not ("true" or "false"))
        {
            return new ApiError(400, "Parameter `return_id` must be a true|false.");
        }

        parameters = new WriteParameters { Action = action.Value, ReturnDoc = returnDoc == "true", ReturnId = returnId == "true" };
        return null;
    }

    /// <summary>
    /// Reads the parameters and resolves the collection of a write; answers 400 or 404 itself and returns null then.
    /// </summary>
    public static async Task<(WriteParameters Parameters, EmulatorCollection Collection)?> ReadTargetAsync(
        RequestContext context, bool checkBatchSize)
    {
        if (Read(context.Query, checkBatchSize, out var parameters) is { } error)
        {
            await HttpResults.ErrorAsync(context.Http, error);
            return null;
        }

        var collection = context.Collection();
        if (collection is null)
        {
            await context.CollectionNotFoundAsync();
            return null;
        }

        return (parameters!, collection);
    }

    /// <summary>
    /// <c>dirty_values</c>, case-insensitive; unknown values fall back to the collection's default
    /// (Typesense <c>Collection::parse_dirty_values_option()</c>).
    /// </summary>
    public static DirtyValues Dirty(QueryParameters query, EmulatorCollection collection) =>
        query["dirty_values"]?.ToUpperInvariant() switch
        {
            "REJECT" => DirtyValues.Reject,
            "DROP" => DirtyValues.Drop,
            "COERCE_OR_REJECT" => DirtyValues.CoerceOrReject,
            "COERCE_OR_DROP" => DirtyValues.CoerceOrDrop,
            _ => collection.DefaultDirtyValues,
        };
}
