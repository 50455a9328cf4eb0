using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>x·y + z, unfused (self-test processors.multiply-add): scalar reference vs the SIMD ladder.</summary>
[Config(typeof(KernelBenchmarkConfig))]
public class TernaryKernelBenchmarks
{
    private const int Frames = KernelBenchmarkConfig.FramesPerInvocation;
    private readonly float[] _x = KernelSignals.Uniform(Frames, seed: 1);
    private readonly float[] _y = KernelSignals.Uniform(Frames, seed: 2);
    private readonly float[] _z = KernelSignals.Uniform(Frames, seed: 3);
    private readonly float[] _destination = new float[Frames];

    /// <summary>Frames per kernel call; an invocation covers <see cref="Frames"/> samples either way.</summary>
    [Params(64, 512)]
    public int BlockFrames { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "processors.multiply-add scalar")]
    [BenchmarkCategory("processors.multiply-add")]
    public void MultiplyAddScalar()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            TernaryKernels.TernaryReference<MultiplyAddOperator>(
                _x.AsSpan(offset, BlockFrames), _y.AsSpan(offset, BlockFrames), _z.AsSpan(offset, BlockFrames), _destination.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "processors.multiply-add simd")]
    [BenchmarkCategory("processors.multiply-add")]
    public void MultiplyAddSimd()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            TernaryKernels.Ternary<MultiplyAddOperator>(
                _x.AsSpan(offset, BlockFrames), _y.AsSpan(offset, BlockFrames), _z.AsSpan(offset, BlockFrames), _destination.AsSpan(offset, BlockFrames));
        }
    }
}
