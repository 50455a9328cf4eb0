namespace LiveEngine.Tests.Cli;

public sealed class GpuCommandTests
{
    [Fact]
    public void Gpu_ListsTheCpuAccelerator_AndTimesTheCpuPathAndEachAccelerator()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "gpu");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("accelerators:", result.Output);
        Assert.Matches(@"\n  CPU\s+CPUAccelerator", result.Output);
        Assert.Contains("the GPU path uses: ", result.Output);
        Assert.Matches(@"CPU path \(SIMD\)\s+[0-9.]+ ms per period", result.Output);
        Assert.Matches(@"\n  CPU CPUAccelerator\s+[0-9.]+ ms per period", result.Output);
        Assert.Matches(@"\nplacement: a launch \d+ us on CPU CPUAccelerator, the CPU [0-9.]+ ns per bin and partition\n", result.Output);
        Assert.Matches(@"gpu = ""auto"" places 1024-frame levels from \d+ partitions x paths, 4096-frame levels from \d+ partitions x paths, 16384-frame levels from \d+ partitions x paths", result.Output);
    }
}
