using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>Counter-based white noise (self-test noise.white): scalar reference vs the SIMD ladder.</summary>
[Config(typeof(KernelBenchmarkConfig))]
public class NoiseKernelBenchmarks
{
    private const int Frames = KernelBenchmarkConfig.FramesPerInvocation;
    private const ulong Seed = 0x9E3779B97F4A7C15;
    private readonly float[] _destination = new float[Frames];
    private uint _counter;

    /// <summary>Frames per kernel call; an invocation covers <see cref="Frames"/> samples either way.</summary>
    [Params(64, 512)]
    public int BlockFrames { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "noise.white scalar")]
    [BenchmarkCategory("noise.white")]
    public void WhiteScalar()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            NoiseKernels.FillWhiteReference(ref _counter, Seed, _destination.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "noise.white simd")]
    [BenchmarkCategory("noise.white")]
    public void WhiteSimd()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            NoiseKernels.FillWhite(ref _counter, Seed, _destination.AsSpan(offset, BlockFrames));
        }
    }
}
