namespace WalSync.TypesenseEmulator.Http;

/// <summary>A matched route and its decoded path parameters.</summary>
/// <param name="Kind">Which endpoint.</param>
/// <param name="Collection">The <c>:collection</c> or <c>:alias</c> segment, or "".</param>
/// <param name="Id">The <c>:id</c> segment, or "".</param>
/// <param name="IsWrite">True for POST/PUT/PATCH/DELETE (Typesense <c>is_write_request()</c>).</param>
internal sealed record RouteMatch(RouteKind Kind, string Collection, string Id, bool IsWrite);
