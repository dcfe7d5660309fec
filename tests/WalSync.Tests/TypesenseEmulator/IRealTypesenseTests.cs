namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Marks a test class that runs against the real Typesense named by the environment.</summary>
public interface IRealTypesenseTests
{
}
