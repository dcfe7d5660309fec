using Xunit.Abstractions;
using Xunit.Sdk;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Discovers <see cref="ContractFactAttribute"/> tests, deciding the skip per concrete test class.</summary>
public sealed class ContractFactDiscoverer : IXunitTestCaseDiscoverer
{
    private readonly IMessageSink _diagnostics;

    /// <summary>Created by xunit.</summary>
    public ContractFactDiscoverer(IMessageSink diagnosticMessageSink) => _diagnostics = diagnosticMessageSink;

    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsReal = testMethod.TestClass.Class.Interfaces.Any(i => i.Name == typeof(IRealTypesenseTests).FullName);
        var skip = needsReal ? RealTypesenseSettings.SkipReason : null;
        yield return new ContractTestCase(
            _diagnostics, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, skip);
    }
}
