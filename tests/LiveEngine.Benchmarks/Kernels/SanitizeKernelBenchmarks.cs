using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>
/// The scan for a non-finite sample (self-test processors.index-of-non-finite): scalar reference vs the SIMD
/// ladder, on a clean block, the common case and the worst one, since the scan runs to the end.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class SanitizeKernelBenchmarks
{
    private const int Frames = KernelBenchmarkConfig.FramesPerInvocation;
    private readonly float[] _values = KernelSignals.Uniform(Frames, seed: 1);

    /// <summary>Frames per kernel call; an invocation covers <see cref="Frames"/> samples either way.</summary>
    [Params(64, 512)]
    public int BlockFrames { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "processors.index-of-non-finite scalar")]
    [BenchmarkCategory("processors.index-of-non-finite")]
    public int IndexOfNonFiniteScalar()
    {
        // Summed and returned so that no scan can be dropped as dead code.
        int found = 0;
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            found += SanitizeKernels.IndexOfNonFiniteReference(_values.AsSpan(offset, BlockFrames));
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "processors.index-of-non-finite simd")]
    [BenchmarkCategory("processors.index-of-non-finite")]
    public int IndexOfNonFiniteSimd()
    {
        // Summed and returned so that no scan can be dropped as dead code.
        int found = 0;
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            found += SanitizeKernels.IndexOfNonFinite(_values.AsSpan(offset, BlockFrames));
        }

        return found;
    }
}
