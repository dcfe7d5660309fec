using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using WalSync.Status;

namespace WalSync.Cli.Http;

/// <summary>The types <see cref="StatusJson.Options"/> writes and reads, generated at compile time (Native AOT has no
/// reflection-based serializer).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SyncStatus))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(AliveBody))]
[JsonSerializable(typeof(ReadyBody))]
[JsonSerializable(typeof(NotReadyBody))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(WaitTimeoutBody))]
[JsonSerializable(typeof(WaitDoneBody))]
[JsonSerializable(typeof(ReindexAcceptedBody))]
[JsonSerializable(typeof(StatusReportBody))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
