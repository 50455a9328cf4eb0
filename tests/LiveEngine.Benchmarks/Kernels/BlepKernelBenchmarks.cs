using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>
/// One band-limited step correction (self-test osc.blep.row): a table row of <see cref="BlepTable.Taps"/>
/// taps interpolated between two fractional offsets and added to the output, scalar reference vs the SIMD
/// ladder. The length is the real row, not a block: an oscillator calls this once per discontinuity, so the
/// per-sample figure is per tap.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class BlepKernelBenchmarks
{
    private const int Taps = BlepTable.Taps;
    private const int Row = 77;
    private const float Fraction = 0.3f;

    // A falling saw step of height 2; the sign alternates so the accumulator stays bounded however long the run.
    private const float Height = -2f;

    private readonly float[] _a = BlepTable.StepResidual.Slice(Row * Taps, Taps).ToArray();
    private readonly float[] _b = BlepTable.StepResidual.Slice((Row + 1) * Taps, Taps).ToArray();
    private readonly float[] _destination = KernelSignals.Uniform(Taps, seed: 3);
    private float _scale = Height;

    [Benchmark(Baseline = true, OperationsPerInvoke = Taps, Description = "osc.blep.row scalar")]
    [BenchmarkCategory("osc.blep.row")]
    public void AddRowScalar()
    {
        _scale = -_scale;
        BlepKernels.AddInterpolatedRowReference(_a, _b, Fraction, _scale, _destination);
    }

    [Benchmark(OperationsPerInvoke = Taps, Description = "osc.blep.row simd")]
    [BenchmarkCategory("osc.blep.row")]
    public void AddRowSimd()
    {
        _scale = -_scale;
        BlepKernels.AddInterpolatedRow(_a, _b, Fraction, _scale, _destination);
    }
}
