using BenchmarkDotNet.Attributes;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>
/// The recursive filters, which have no SIMD form (each output depends on the previous one): per-sample cost
/// of one channel, with fixed coefficients and with one set per frame (a gliding cutoff). No baseline, so no
/// ratio. A 1 kHz low-pass at 48 kHz on full-scale noise keeps the state far from denormals.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class RecursiveFilterKernelBenchmarks
{
    private const int Frames = KernelBenchmarkConfig.FramesPerInvocation;
    private const int SampleRate = 48000;
    private const double CutoffHz = 1000;
    private const double Q = 0.7071;

    private readonly float[] _input = KernelSignals.Uniform(Frames, seed: 1);
    private readonly float[] _output = new float[Frames];
    private readonly BiquadCoefficients _biquad = BiquadCoefficients.Design(BiquadType.LowPass, CutoffHz, Q, 0, SampleRate);
    private readonly BiquadCoefficients[] _biquadGlide = new BiquadCoefficients[Frames];
    private readonly SvfCoefficients _svf = SvfCoefficients.LowPass(CutoffHz, Q, SampleRate);
    private readonly SvfCoefficients[] _svfGlide = new SvfCoefficients[Frames];
    private BiquadState _biquadState;
    private SvfState _svfState;

    [GlobalSetup]
    public void Setup()
    {
        // One octave up across the block.
        for (int i = 0; i < Frames; i++)
        {
            double cutoffHz = CutoffHz * Math.Pow(2, (double)i / Frames);
            _biquadGlide[i] = BiquadCoefficients.Design(BiquadType.LowPass, cutoffHz, Q, 0, SampleRate);
            _svfGlide[i] = SvfCoefficients.LowPass(cutoffHz, Q, SampleRate);
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "filter.biquad fixed")]
    [BenchmarkCategory("filter.biquad")]
    public void BiquadFixed() => BiquadKernels.Process(_biquad, ref _biquadState, _input, _output);

    [Benchmark(OperationsPerInvoke = Frames, Description = "filter.biquad gliding")]
    [BenchmarkCategory("filter.biquad")]
    public void BiquadGliding() => BiquadKernels.Process(_biquadGlide, ref _biquadState, _input, _output);

    [Benchmark(OperationsPerInvoke = Frames, Description = "filter.svf fixed")]
    [BenchmarkCategory("filter.svf")]
    public void SvfFixed() => SvfKernels.LowPass(_svf, ref _svfState, _input, _output);

    [Benchmark(OperationsPerInvoke = Frames, Description = "filter.svf gliding")]
    [BenchmarkCategory("filter.svf")]
    public void SvfGliding() => SvfKernels.LowPass(_svfGlide, ref _svfState, _input, _output);
}
