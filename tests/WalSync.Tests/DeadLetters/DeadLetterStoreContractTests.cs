using NpgsqlTypes;
using WalSync.DeadLetters;

namespace WalSync.Tests.DeadLetters;

/// <summary>What every <see cref="IDeadLetterArchive"/> must do; one subclass per store.</summary>
public abstract class DeadLetterStoreContractTests : IAsyncLifetime
{
    protected IDeadLetterArchive Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.InitializeAsync(CancellationToken.None);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected abstract Task<IDeadLetterArchive> CreateStoreAsync();

    protected static DeadLetter Letter(string table, string id, ulong lsn = 0x16B3748) =>
        new(table, "c_" + table, id, [id, "part|2"], "upsert", lsn == 0 ? NpgsqlLogSequenceNumber.Invalid : new NpgsqlLogSequenceNumber(lsn),
            $"Typesense rejected the document (400): Field `note` must be an int64.\nsecond line of {id}", "{\"id\":\"" + id + "\"}");

    [Fact]
    public async Task ListAsync_AfterWrites_ReturnsEveryFieldInWriteOrder()
    {
        var written = new[] { Letter("public.items", "1"), Letter("public.items", "2", lsn: 0), Letter("shop.orders", "x\ty") };

        await Store.WriteAsync(written[..2], CancellationToken.None);
        await Store.WriteAsync(written[2..], CancellationToken.None);
        var stored = await Store.ListAsync(new DeadLetterQuery(), CancellationToken.None);

        Assert.Equal(3, stored.Count);
        for (var i = 0; i < 3; i++)
        {
            var letter = stored[i].Letter;
            Assert.Equal(written[i] with { Key = letter.Key }, letter);
            Assert.Equal(written[i].Key, letter.Key);
            Assert.Null(stored[i].RetriedAt);
            Assert.InRange(stored[i].CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        }
        Assert.Equal(3, stored.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public async Task CountPendingAsync_ByTable_LeavesRetriedOnesOut()
    {
        Assert.Empty(await Store.CountPendingAsync(CancellationToken.None));
        await Store.WriteAsync([Letter("public.items", "1"), Letter("shop.orders", "2"), Letter("public.items", "3")], CancellationToken.None);
        var first = (await Store.ListAsync(new DeadLetterQuery(), CancellationToken.None))[0];
        await Store.MarkRetriedAsync([first.Id], DateTimeOffset.UtcNow, CancellationToken.None);

        var pending = await Store.CountPendingAsync(CancellationToken.None);

        Assert.Equal(new Dictionary<string, long> { ["public.items"] = 1, ["shop.orders"] = 1 }, pending);
    }

    [Fact]
    public async Task ListAsync_TableAndLimit_SelectsThoseOfTheTableOldestFirst()
    {
        await Store.WriteAsync([Letter("public.items", "1"), Letter("shop.orders", "2"), Letter("public.items", "3"), Letter("public.items", "4")], CancellationToken.None);

        var bare = await Store.ListAsync(new DeadLetterQuery { Table = "items", Limit = 2 }, CancellationToken.None);
        var qualified = await Store.ListAsync(new DeadLetterQuery { Table = "shop.orders" }, CancellationToken.None);

        Assert.Equal(["1", "3"], bare.Select(s => s.Letter.DocumentId));
        Assert.Equal(["2"], qualified.Select(s => s.Letter.DocumentId));
    }

    [Fact]
    public async Task MarkRetriedAsync_SomeIds_HidesThemUnlessRetriedAreIncluded()
    {
        await Store.WriteAsync([Letter("public.items", "1"), Letter("public.items", "2"), Letter("public.items", "3")], CancellationToken.None);
        var pending = await Store.ListAsync(new DeadLetterQuery(), CancellationToken.None);
        var at = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

        await Store.MarkRetriedAsync([pending[0].Id, pending[2].Id, "no-such-id"], at, CancellationToken.None);

        Assert.Equal(["2"], (await Store.ListAsync(new DeadLetterQuery(), CancellationToken.None)).Select(s => s.Letter.DocumentId));
        var all = await Store.ListAsync(new DeadLetterQuery { IncludeRetried = true }, CancellationToken.None);
        Assert.Equal([at, null, at], all.Select(s => s.RetriedAt));
        Assert.Equal(pending.Select(s => s.Id), all.Select(s => s.Id));
    }
}
