using Microsoft.AspNetCore.Http;
using WalSync.Cli.Http;
using Microsoft.Extensions.DependencyInjection;
using WalSync.Configuration;

namespace WalSync.Tests.Operations;

/// <summary>Who may send a request that changes state: the key of <c>Http:ApiKey</c>, or anyone on a loopback-only listener without one.</summary>
public sealed class ApiKeyFilterTests
{
    private const string Key = "0123456789abcdef-key";

    [Theory]
    [InlineData("http://127.0.0.1:9464", null, null, null)]
    [InlineData("http://localhost:9464;http://[::1]:9464", null, null, null)]
    [InlineData("http://0.0.0.0:9464", null, null, StatusCodes.Status403Forbidden)]
    [InlineData("http://127.0.0.1:9464;http://10.0.0.5:9464", null, null, StatusCodes.Status403Forbidden)]
    [InlineData("http://0.0.0.0:9464", Key, "Bearer " + Key, null)]
    [InlineData("http://127.0.0.1:9464", Key, "Bearer " + Key, null)]
    [InlineData("http://127.0.0.1:9464", Key, null, StatusCodes.Status401Unauthorized)]
    [InlineData("http://0.0.0.0:9464", Key, "Bearer wrong-key-wrong-key", StatusCodes.Status401Unauthorized)]
    [InlineData("http://0.0.0.0:9464", Key, Key, StatusCodes.Status401Unauthorized)]
    public async Task Refusal_ByKeyAndListener(string urls, string? key, string? authorization, int? refusedWith)
    {
        var filter = new ApiKeyFilter(new HttpOptions { Urls = urls, ApiKey = key });
        var context = new DefaultHttpContext();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        var refusal = filter.Refusal(context.Request);

        if (refusedWith is null)
        {
            Assert.Null(refusal);
            return;
        }
        Assert.NotNull(refusal);
        context.Response.Body = new MemoryStream();
        context.RequestServices = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
            .AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).BuildServiceProvider();
        await refusal.ExecuteAsync(context);
        Assert.Equal(refusedWith, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("Http:ApiKey", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, body, StringComparison.Ordinal);
    }
}
