using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>
/// The master limiter's element-wise steps (self-test processors.max-magnitude and processors.clamp-flush):
/// scalar reference vs the SIMD ladder of <see cref="VectorKernels"/>. The input peaks above the ceiling so
/// the clamp has work to do.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class LimiterKernelBenchmarks
{
    private const int Frames = KernelBenchmarkConfig.FramesPerInvocation;
    private const float Ceiling = 0.9f;
    private readonly float[] _left = KernelSignals.Uniform(Frames, seed: 1, peak: 1.2f);
    private readonly float[] _right = KernelSignals.Uniform(Frames, seed: 2, peak: 1.2f);
    private readonly float[] _destination = new float[Frames];

    /// <summary>Frames per kernel call; an invocation covers <see cref="Frames"/> samples either way.</summary>
    [Params(64, 512)]
    public int BlockFrames { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "processors.max-magnitude scalar")]
    [BenchmarkCategory("processors.max-magnitude")]
    public void MaxMagnitudeScalar()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            VectorKernels.BinaryReference<MaxMagnitudeOperator>(_left.AsSpan(offset, BlockFrames), _right.AsSpan(offset, BlockFrames), _destination.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "processors.max-magnitude simd")]
    [BenchmarkCategory("processors.max-magnitude")]
    public void MaxMagnitudeSimd()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            VectorKernels.Binary<MaxMagnitudeOperator>(_left.AsSpan(offset, BlockFrames), _right.AsSpan(offset, BlockFrames), _destination.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "processors.clamp-flush scalar")]
    [BenchmarkCategory("processors.clamp-flush")]
    public void ClampFlushScalar()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            BinaryScalarOperandReference<ClampFlushOperator>(_left.AsSpan(offset, BlockFrames), Ceiling, _destination.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "processors.clamp-flush simd")]
    [BenchmarkCategory("processors.clamp-flush")]
    public void ClampFlushSimd()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            VectorKernels.BinaryScalarOperand<ClampFlushOperator>(_left.AsSpan(offset, BlockFrames), Ceiling, _destination.AsSpan(offset, BlockFrames));
        }
    }

    // VectorKernels has no scalar reference for the scalar-operand form (the self-test loops over the operator
    // itself); this is that loop, written like the kernel's own scalar tail so both sides index the same way.
    private static void BinaryScalarOperandReference<TOperator>(ReadOnlySpan<float> x, float y, Span<float> destination)
        where TOperator : struct, IBinaryKernelOperator
    {
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        for (int i = 0; i < x.Length; i++)
        {
            Unsafe.Add(ref dRef, i) = TOperator.Invoke(Unsafe.Add(ref xRef, i), y);
        }
    }
}
