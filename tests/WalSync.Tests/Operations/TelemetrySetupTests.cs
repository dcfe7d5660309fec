using WalSync.Cli.Hosting;
using WalSync.Configuration;

namespace WalSync.Tests.Operations;

/// <summary>Which OTLP settings the SDK gets: the standard variables win over the <c>Telemetry</c> section; nothing set, no export.</summary>
public sealed class TelemetrySetupTests
{
    [Fact]
    public void Settings_NothingSet_NoExportAndServiceNameWalSync()
    {
        var settings = TelemetrySetup.Settings(new TelemetryOptions(), new Dictionary<string, string?> { ["PATH"] = "/usr/bin", ["OTEL_EXPORTER_OTLP_ENDPOINT"] = " " });

        Assert.False(TelemetrySetup.ExportsOtlp(settings));
        Assert.Equal("walsync", settings["OTEL_SERVICE_NAME"]);
        Assert.False(settings.ContainsKey("PATH"));
    }

    [Fact]
    public void Settings_SectionAndVariables_VariablesWin()
    {
        var section = new TelemetryOptions
        {
            OtlpEndpoint = "http://collector:4317",
            OtlpProtocol = "grpc",
            ServiceName = "from-file",
            ResourceAttributes = "deployment.environment=file",
        };
        var settings = TelemetrySetup.Settings(section, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        });

        Assert.True(TelemetrySetup.ExportsOtlp(settings));
        Assert.Equal("http://127.0.0.1:4318", settings["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", settings["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("from-file", settings["OTEL_SERVICE_NAME"]);
        Assert.Equal("deployment.environment=file", settings["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.Equal("1000", settings["OTEL_METRIC_EXPORT_INTERVAL"]);
    }
}
