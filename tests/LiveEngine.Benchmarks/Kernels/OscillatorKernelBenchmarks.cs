using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>
/// The oscillator kernels (self-test osc.*): the phase accumulator, and each naive shape over a block of
/// phases, scalar reference vs the SIMD ladder. The phases are a 440 Hz ramp at 48 kHz, so branches in the
/// scalar forms are as predictable as in a running oscillator.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class OscillatorKernelBenchmarks
{
    private const int Frames = KernelBenchmarkConfig.FramesPerInvocation;
    private const int SampleRate = 48000;
    private const float FrequencyHz = 440f;

    // Half a period: a square wave with a 50 % duty cycle.
    private const uint PulseWidthPhase = 1u << 31;

    private readonly uint _increment = OscillatorKernels.Increment(FrequencyHz, 4294967296.0 / SampleRate);
    private readonly uint[] _phases = new uint[Frames];
    private readonly float[] _destination = new float[Frames];
    private uint _phase;

    /// <summary>Frames per kernel call; an invocation covers <see cref="Frames"/> samples either way.</summary>
    [Params(64, 512)]
    public int BlockFrames { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        uint phase = 0;
        OscillatorKernels.AdvancePhaseReference(ref phase, _increment, _phases);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "osc.phase scalar")]
    [BenchmarkCategory("osc.phase")]
    public void PhaseScalar()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            OscillatorKernels.AdvancePhaseReference(ref _phase, _increment, _phases.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "osc.phase simd")]
    [BenchmarkCategory("osc.phase")]
    public void PhaseSimd()
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            OscillatorKernels.AdvancePhase(ref _phase, _increment, _phases.AsSpan(offset, BlockFrames));
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "osc.sine scalar")]
    [BenchmarkCategory("osc.sine")]
    public void SineScalar() => ShapeScalar<SineShaper>(0);

    [Benchmark(OperationsPerInvoke = Frames, Description = "osc.sine simd")]
    [BenchmarkCategory("osc.sine")]
    public void SineSimd() => ShapeSimd<SineShaper>(0);

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "osc.saw scalar")]
    [BenchmarkCategory("osc.saw")]
    public void SawScalar() => ShapeScalar<SawShaper>(0);

    [Benchmark(OperationsPerInvoke = Frames, Description = "osc.saw simd")]
    [BenchmarkCategory("osc.saw")]
    public void SawSimd() => ShapeSimd<SawShaper>(0);

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "osc.square scalar")]
    [BenchmarkCategory("osc.square")]
    public void SquareScalar() => ShapeScalar<SquareShaper>(PulseWidthPhase);

    [Benchmark(OperationsPerInvoke = Frames, Description = "osc.square simd")]
    [BenchmarkCategory("osc.square")]
    public void SquareSimd() => ShapeSimd<SquareShaper>(PulseWidthPhase);

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "osc.triangle scalar")]
    [BenchmarkCategory("osc.triangle")]
    public void TriangleScalar() => ShapeScalar<TriangleShaper>(0);

    [Benchmark(OperationsPerInvoke = Frames, Description = "osc.triangle simd")]
    [BenchmarkCategory("osc.triangle")]
    public void TriangleSimd() => ShapeSimd<TriangleShaper>(0);

    // Generic over the shaper like the kernels themselves: each instantiation is specialised by the JIT, so
    // the helper adds no call per block beyond the kernel's own.
    private void ShapeScalar<TShaper>(uint argument)
        where TShaper : struct, IPhaseShaper
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            OscillatorKernels.ShapeReference<TShaper>(_phases.AsSpan(offset, BlockFrames), argument, _destination.AsSpan(offset, BlockFrames));
        }
    }

    private void ShapeSimd<TShaper>(uint argument)
        where TShaper : struct, IPhaseShaper
    {
        for (int offset = 0; offset < Frames; offset += BlockFrames)
        {
            OscillatorKernels.Shape<TShaper>(_phases.AsSpan(offset, BlockFrames), argument, _destination.AsSpan(offset, BlockFrames));
        }
    }
}
