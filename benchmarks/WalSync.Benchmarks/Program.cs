using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using WalSync.Benchmarks;

// Runs any benchmark of this assembly (dotnet run -c Release -- --filter '*Serialise*'); every benchmark reports time and bytes allocated per row (OperationsPerInvoke = rows), and rows per second.
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(new RowsPerSecondColumn());
BenchmarkSwitcher.FromAssembly(typeof(RowShape).Assembly).Run(args, config);
