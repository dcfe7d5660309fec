using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using NpgsqlTypes;

namespace WalSync.Tests.Faults;

/// <summary>A logger factory that keeps every entry of an in-process sync, at Debug level, so that a test can read
/// the exact end LSN of each transaction the reader received.</summary>
public sealed partial class LogCapture : ILoggerProvider
{
    private const int CommitReceivedEventId = 1010;
    private readonly ConcurrentQueue<(int EventId, string Message)> _entries = new();

    public LogCapture() => Factory = LoggerFactory.Create(builder => builder.AddProvider(this).SetMinimumLevel(LogLevel.Debug));

    /// <summary>The factory to give to the sync.</summary>
    public ILoggerFactory Factory { get; }

    /// <summary>Every entry so far, with its event id.</summary>
    public IReadOnlyList<(int EventId, string Message)> Entries => _entries.ToList();

    /// <summary>Every message so far.</summary>
    public IReadOnlyList<string> Messages => _entries.Select(e => e.Message).ToList();

    /// <summary>The end LSN of every transaction received so far, in order.</summary>
    public IReadOnlyList<NpgsqlLogSequenceNumber> CommitEnds =>
        _entries.Where(e => e.EventId == CommitReceivedEventId)
            .Select(e => NpgsqlLogSequenceNumber.Parse(EndLsn().Match(e.Message).Groups[1].Value)).ToList();

    /// <summary>Waits for the transaction received after the first <paramref name="seen"/> ones and returns its end LSN.</summary>
    public async Task<NpgsqlLogSequenceNumber> NextCommitEndAsync(int seen)
    {
        await Infrastructure.Eventually.HoldsAsync(() => Task.FromResult(CommitEnds.Count > seen), TimeSpan.FromSeconds(30), "walsync to receive the commit");
        return CommitEnds[seen];
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() => Factory.Dispose();

    [GeneratedRegex("ending at ([0-9A-F]+/[0-9A-F]+)")]
    private static partial Regex EndLsn();

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._entries.Enqueue((eventId.Id, formatter(state, exception)));
    }
}
