namespace WalSync.Tests.Infrastructure;

/// <summary>
/// Says which PostgreSQL servers the tests ran on: one line per server started, with its version, appended to the file
/// named by <c>WALSYNC_TEST_REPORT</c>, which <c>tests/containers/run</c> prints after each suite.
/// </summary>
public static class TestServerReport
{
    private static readonly SemaphoreSlim FileGate = new(1, 1);

    /// <summary>Reports <paramref name="server"/>.</summary>
    public static async Task AddAsync(TestServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        await AddAsync($"{await server.VersionAsync()} | {server.Kind}");
    }

    /// <summary>Reports a line.</summary>
    public static async Task AddAsync(string line)
    {
        if (Environment.GetEnvironmentVariable("WALSYNC_TEST_REPORT") is { Length: > 0 } file)
        {
            await FileGate.WaitAsync();
            try
            {
                await File.AppendAllLinesAsync(file, [line]);
            }
            finally
            {
                FileGate.Release();
            }
        }
    }
}
