using BenchmarkDotNet.Running;

// Runs any benchmark of this assembly: dotnet run -c Release -- --filter '*Emulator*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
