using WalSync.DeadLetters;

namespace WalSync.Tests.DeadLetters;

public sealed class DirectoryDeadLetterStoreTests : DeadLetterStoreContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"walsync-dl-{Guid.NewGuid():N}", "nested");

    protected override Task<IDeadLetterArchive> CreateStoreAsync() => Task.FromResult<IDeadLetterArchive>(new DirectoryDeadLetterStore(_directory));

    public override Task DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task WriteAsync_TwoWrites_TwoCompleteJsonLineFilesAndNoTemporaryFile()
    {
        await Store.WriteAsync([Letter("public.items", "1"), Letter("public.items", "2")], CancellationToken.None);
        await Store.WriteAsync([Letter("public.items", "3")], CancellationToken.None);

        var files = Directory.GetFiles(_directory);
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.EndsWith(".jsonl", f, StringComparison.Ordinal));
        var lines = files.Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("\"table\":\"public.items\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"lsn\":\"0/16B3748\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"retried_at\":null", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_DirectoryMissing_Empty()
    {
        var store = new DirectoryDeadLetterStore(Path.Combine(_directory, "never-created"));

        Assert.Empty(await store.ListAsync(new DeadLetterQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_BrokenLine_FormatExceptionNamesFileAndLine()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "dead-letters-1.jsonl"), "{\"table\":1}\n");

        var error = await Assert.ThrowsAsync<FormatException>(() => Store.ListAsync(new DeadLetterQuery(), CancellationToken.None));

        Assert.Contains("dead-letters-1.jsonl line 1", error.Message, StringComparison.Ordinal);
    }
}
