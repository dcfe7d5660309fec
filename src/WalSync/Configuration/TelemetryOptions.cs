namespace WalSync.Configuration;

/// <summary>
/// The <c>Telemetry</c> section: OpenTelemetry export over OTLP (traces, metrics, logs). Off unless an endpoint is set here
/// or in <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. The standard variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>,
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>) win over these keys.
/// </summary>
/// <remarks>https://opentelemetry.io/docs/specs/otel/protocol/exporter/</remarks>
public sealed class TelemetryOptions
{
    /// <summary>The OTLP endpoint, e.g. <c>http://127.0.0.1:4317</c> (gRPC) or <c>http://127.0.0.1:4318</c> (http/protobuf); none
    /// turns the export off.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>Headers sent with each export, as <c>key=value,key2=value2</c> (e.g. an authorization header). A secret:
    /// never logged.</summary>
    public string? OtlpHeaders { get; set; }

    /// <summary>The <c>service.name</c> of the exported telemetry. Default <c>walsync</c>.</summary>
    public string? ServiceName { get; set; }

    /// <summary>More resource attributes, as <c>key=value,key2=value2</c> (e.g. <c>deployment.environment=prod</c>).</summary>
    public string? ResourceAttributes { get; set; }

    /// <summary>Every problem of this section, one sentence each naming the key and the fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"Telemetry:OtlpEndpoint '{OtlpEndpoint}' is not an http:// or https:// URL; write it like \"http://127.0.0.1:4317\", or remove it.");
        }
        if (!string.IsNullOrWhiteSpace(OtlpProtocol) && OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            errors.Add($"Telemetry:OtlpProtocol '{OtlpProtocol}' is not a protocol WalSync exports with; write \"grpc\" or \"http/protobuf\".");
        }
        if (!string.IsNullOrWhiteSpace(ResourceAttributes) && ResourceAttributes.Split(',').Any(pair => pair.Split('=') is not [{ Length: > 0 }, _]))
        {
            errors.Add("Telemetry:ResourceAttributes must be key=value pairs separated by commas, e.g. \"deployment.environment=prod,service.namespace=shop\".");
        }
        if (!string.IsNullOrWhiteSpace(OtlpHeaders) && OtlpHeaders.Split(',').Any(pair => !pair.Contains('=', StringComparison.Ordinal)))
        {
            // The value may be a secret: only its shape is described.
            errors.Add("Telemetry:OtlpHeaders must be key=value pairs separated by commas, e.g. \"authorization=Bearer …\".");
        }
        return errors;
    }
}
