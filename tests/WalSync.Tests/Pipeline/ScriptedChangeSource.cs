using System.Threading.Channels;
using NpgsqlTypes;
using WalSync.Replication;

namespace WalSync.Tests.Pipeline;

/// <summary>An <see cref="IChangeSource"/> that writes scripted events as the replication reader would (a Commit sets
/// <see cref="LastCommitWritten"/> before the transaction closes), then waits for the stop, and records acknowledgements.</summary>
internal sealed class ScriptedChangeSource : IChangeSource
{
    private readonly List<ChangeEvent> _script;
    private readonly List<NpgsqlLogSequenceNumber> _acknowledged = [];

    public ScriptedChangeSource(IEnumerable<ChangeEvent> script) => _script = [.. script];

    public bool InTransaction { get; set; }

    public NpgsqlLogSequenceNumber LastCommitWritten { get; set; } = NpgsqlLogSequenceNumber.Invalid;

    public NpgsqlLogSequenceNumber LastReceivedLsn { get; set; } = NpgsqlLogSequenceNumber.Invalid;

    /// <summary>Every acknowledged LSN, in order.</summary>
    public IReadOnlyList<NpgsqlLogSequenceNumber> Acknowledged
    {
        get
        {
            lock (_acknowledged)
            {
                return [.. _acknowledged];
            }
        }
    }

    /// <summary>Completes once every scripted event is in the channel.</summary>
    public TaskCompletionSource AllWritten { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(ChannelWriter<ChangeEvent> writer, CancellationToken stopReading)
    {
        foreach (var change in _script)
        {
            InTransaction = change.Kind != ChangeKind.Commit;
            await writer.WriteAsync(change, stopReading);
            if (change.Kind == ChangeKind.Commit)
            {
                LastCommitWritten = change.TransactionEndLsn;
                LastReceivedLsn = change.TransactionEndLsn;
                InTransaction = false;
            }
        }
        AllWritten.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, stopReading);
        }
        catch (OperationCanceledException)
        {
            // Stopped, as the reader stops: at a transaction boundary.
        }
    }

    public Task<bool> AcknowledgeAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken)
    {
        lock (_acknowledged)
        {
            _acknowledged.Add(lsn);
        }
        return Task.FromResult(true);
    }
}
