using Xunit.Sdk;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>
/// A fact of the Typesense contract suite. It is skipped, with the reason, when its test class needs a real
/// Typesense (<see cref="IRealTypesenseTests"/>) and <c>TYPESENSE_URL</c> / <c>TYPESENSE_API_KEY</c> are not set.
/// </summary>
[XunitTestCaseDiscoverer("WalSync.Tests.TypesenseEmulator.ContractFactDiscoverer", "WalSync.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute
{
}
