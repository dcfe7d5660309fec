using WalSync.Configuration;

namespace WalSync.Tests.DeadLetters;

/// <summary>Dead letters in JSON-lines files (<c>DeadLetter:Directory</c>).</summary>
public sealed class DirectoryDeadLetterPipelineTests : DeadLetterPipelineTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"walsync-dlpipe-{Guid.NewGuid():N}");

    protected override void UseStore(DeadLetterOptions options) => options.Directory = _directory;

    protected override Dictionary<string, string> StoreEnvironment() => new() { ["WALSYNC_DeadLetter__Directory"] = _directory };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
