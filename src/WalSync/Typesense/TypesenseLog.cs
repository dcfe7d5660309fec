using Microsoft.Extensions.Logging;

namespace WalSync.Typesense;

/// <summary>Log messages of the Typesense client (event ids 3000–3099). None of them carries the API key.</summary>
internal static partial class TypesenseLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Typesense {Operation} failed on attempt {Attempt} at {Node} ({Status}: {Reason}; check Typesense:Nodes if it persists); retrying in {Delay}")]
    public static partial void RetryScheduled(ILogger logger, string operation, int attempt, string node, string status, string reason, string delay);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Typesense node {Node} marked unhealthy; the other nodes take its requests for {Skip} (Typesense:HealthcheckInterval)")]
    public static partial void NodeUnhealthy(ILogger logger, string node, string skip);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug,
        Message = "Imported {Lines} documents into {Collection} ({Rejected} rejected, {Bytes} bytes) in {ElapsedMs:0.0} ms")]
    public static partial void ImportDone(ILogger logger, string collection, int lines, int rejected, int bytes, double elapsedMs);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug,
        Message = "Deleted {Deleted} of {Requested} documents from {Collection} in {Requests} requests")]
    public static partial void DeleteDone(ILogger logger, string collection, int deleted, int requested, int requests);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning,
        Message = "Typesense node {Node} has not answered a request, nor GET /health within {Timeout} (Typesense:ConnectionTimeout): the request is abandoned and retried")]
    public static partial void HealthProbeFailed(ILogger logger, string node, string timeout);
}
