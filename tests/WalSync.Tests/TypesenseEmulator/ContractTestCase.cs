using Xunit.Abstractions;
using Xunit.Sdk;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>A test case whose skip reason is decided at discovery (see <see cref="ContractFactDiscoverer"/>).</summary>
public sealed class ContractTestCase : XunitTestCase
{
    private string? _skip;

    /// <summary>For deserialization only.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ContractTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public ContractTestCase(
        IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod, string? skip)
        : base(diagnostics, display, options, testMethod)
    {
        _skip = skip;
    }

    /// <inheritdoc />
    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("ContractSkip", _skip);
    }

    /// <inheritdoc />
    public override void Deserialize(IXunitSerializationInfo data)
    {
        _skip = data.GetValue<string?>("ContractSkip");
        base.Deserialize(data);
    }

    /// <inheritdoc />
    protected override string? GetSkipReason(IAttributeInfo factAttribute) => _skip ?? base.GetSkipReason(factAttribute);
}
