using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using WalSync.Configuration;

namespace WalSync.Cli.Http;

/// <summary>
/// Guards the endpoints that change state (map them with <c>.AddEndpointFilter(new ApiKeyFilter(options))</c>): with
/// <c>Http:ApiKey</c> set, a request must carry it as <c>Authorization: Bearer KEY</c>; without a key, such requests are
/// accepted only when the listener binds loopback addresses alone. The read-only endpoints need no key.
/// </summary>
public sealed class ApiKeyFilter : IEndpointFilter
{
    private readonly HttpOptions _options;

    /// <summary>Creates the filter for the listener configured by <paramref name="options"/>.</summary>
    public ApiKeyFilter(HttpOptions options) => _options = options;

    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return Refusal(context.HttpContext.Request) is { } refusal ? refusal : await next(context);
    }

    /// <summary>Why <paramref name="request"/> may not change state, as the answer to send; null when it may.</summary>
    public IResult? Refusal(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(_options.ApiKey))
        {
            return _options.LoopbackOnly ? null : Results.Json(
                new ErrorBody("This request changes state and Http:Urls listens beyond loopback: set Http:ApiKey and send it as 'Authorization: Bearer KEY'."),
                StatusJson.Info<ErrorBody>(), statusCode: StatusCodes.Status403Forbidden);
        }
        var header = request.Headers.Authorization.ToString();
        var sent = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : "";
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(_options.ApiKey)) ? null : Results.Json(
            new ErrorBody("This request changes state: send the key of Http:ApiKey as 'Authorization: Bearer KEY'."),
            StatusJson.Info<ErrorBody>(), statusCode: StatusCodes.Status401Unauthorized);
    }
}
