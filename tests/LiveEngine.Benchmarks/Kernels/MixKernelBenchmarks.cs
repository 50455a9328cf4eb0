using BenchmarkDotNet.Attributes;
using LiveEngine.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>One add of a mix tree (the self-test's core.add): scalar reference vs the SIMD ladder.</summary>
[Config(typeof(KernelBenchmarkConfig))]
public class MixKernelBenchmarks
{
    private const int Frames = KernelBenchmarkConfig.FramesPerInvocation;
    private readonly float[] _x = KernelSignals.Uniform(Frames, seed: 1);
    private readonly float[] _y = KernelSignals.Uniform(Frames, seed: 2);
    private readonly float[] _destination = new float[Frames];

    /// <summary>Frames per kernel call; an invocation covers <see cref="Frames"/> samples either way.</summary>
    [Params(64, 512)]
    public int BlockFrames { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "mix.add scalar")]
    [BenchmarkCategory("mix.add")]
    public void AddScalar()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            VectorKernels.BinaryReference<AddOperator>(_x.AsSpan(offset, BlockFrames), _y.AsSpan(offset, BlockFrames), _destination.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "mix.add simd")]
    [BenchmarkCategory("mix.add")]
    public void AddSimd()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            VectorKernels.Binary<AddOperator>(_x.AsSpan(offset, BlockFrames), _y.AsSpan(offset, BlockFrames), _destination.AsSpan(offset, BlockFrames));
        }
    }
}
