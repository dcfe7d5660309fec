namespace WalSync.Configuration;

/// <summary>
/// The <c>Http</c> section: the listener of the <c>walsync run</c> process that serves <c>/metrics</c>, <c>/healthz</c>,
/// <c>/readyz</c>, <c>/status</c> and <c>/wait</c>.
/// </summary>
public sealed class HttpOptions
{
    /// <summary>The address the listener binds when <see cref="Urls"/> is not set.</summary>
    public const string DefaultUrl = "http://127.0.0.1:9464";

    /// <summary>Whether the listener runs. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The addresses to listen on, separated by <c>;</c> (<c>http://0.0.0.0:9464</c> for every interface; port 0 picks
    /// a free port, which the start-up log names). Default <c>http://127.0.0.1:9464</c>.</summary>
    public string Urls { get; set; } = DefaultUrl;

    /// <summary>The key a request that changes state must carry (header <c>Authorization: Bearer …</c>); the read-only
    /// endpoints need none. A secret: never logged. Without it, state-changing requests are accepted only when every
    /// address is a loopback address.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long WalSync may keep failing (PostgreSQL or Typesense unreachable, requests retried) before
    /// <c>/readyz</c> answers 503. Default 30 seconds.</summary>
    public TimeSpan UnreadyAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The addresses of <see cref="Urls"/>, one per entry.</summary>
    public IReadOnlyList<string> UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Every problem of this section, one sentence each naming the key and the fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            return errors;
        }
        if (UrlList.Count == 0)
        {
            errors.Add($"Http:Urls is empty; set an address such as \"{DefaultUrl}\", or Http:Enabled to false.");
        }
        foreach (var url in UrlList)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/" || uri.Port < 0)
            {
                errors.Add($"Http:Urls '{url}' is not an address to listen on; write it like \"{DefaultUrl}\" (http, a host and a port, no path).");
            }
        }
        if (UnreadyAfter < TimeSpan.Zero)
        {
            errors.Add($"Http:UnreadyAfter is {UnreadyAfter}; set a duration of zero or more, e.g. \"00:00:30\".");
        }
        if (ApiKey is { Length: > 0 and < 16 })
        {
            errors.Add("Http:ApiKey is shorter than 16 characters; use a long random key (e.g. openssl rand -hex 32).");
        }
        return errors;
    }

    /// <summary>True when every address of <see cref="Urls"/> is a loopback address (<c>127.0.0.0/8</c>, <c>::1</c>, <c>localhost</c>).</summary>
    public bool LoopbackOnly => UrlList.All(url => Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address))));
}
