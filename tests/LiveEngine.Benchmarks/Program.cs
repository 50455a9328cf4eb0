using BenchmarkDotNet.Running;
using LiveEngine.Dsp.Kernels;

// Kernel suites (scalar specification vs SIMD, ns per sample). Whole graphs are measured by `liveengine bench`.
// Run: dotnet run -c Release --project tests/LiveEngine.Benchmarks -- --filter '*'
// The benchmark processes inherit this environment (DOTNET_EnableHWIntrinsic included), so the tiers the
// "simd" rows ran on are the ones printed here.
Console.WriteLine($"// Kernel tiers: {KernelSelfTest.InstructionSets}");
if (args is ["convolution-cost"])
{
    LiveEngine.Benchmarks.Nodes.ConvolutionCost.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(LiveEngine.Benchmarks.Kernels.KernelBenchmarkConfig).Assembly).Run(args);
