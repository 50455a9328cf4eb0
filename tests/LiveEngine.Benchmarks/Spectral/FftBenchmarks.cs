using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LiveEngine.Benchmarks.Kernels;
using LiveEngine.Dsp.Kernels;
using MathNet.Numerics.IntegralTransforms;

namespace LiveEngine.Benchmarks.Spectral;

/// <summary>
/// A real forward and inverse FFT pair of <see cref="Size"/> points (ns per pair): the engine's <see cref="RealFft"/>
/// against MathNet.Numerics 5.0.0's managed provider (<c>Fourier.ForwardReal</c> / <c>InverseReal</c>, no scaling,
/// in place), the well-kept .NET library the issue names. MemoryDiagnoser shows what each allocates per pair: the
/// convolution runs these on the audio path, where nothing may allocate.
/// Run: dotnet run -c Release --project tests/LiveEngine.Benchmarks -- --filter '*FftBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class FftBenchmarks
{
    private RealFft _fft = null!;
    private float[] _input = [];
    private float[] _output = [];
    private float[] _re = [];
    private float[] _im = [];
    private float[] _mathNet = [];

    /// <summary>128: the first partition of the non-uniform convolution; 32768: its largest.</summary>
    [Params(128, 1_024, 32_768)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fft = new RealFft(Size);
        _input = KernelSignals.Uniform(Size, seed: 5, peak: 1f);
        _output = new float[Size];
        _re = new float[_fft.Bins];
        _im = new float[_fft.Bins];
        _mathNet = new float[Size + 2];
    }

    [Benchmark(Baseline = true, Description = "MathNet ForwardReal + InverseReal")]
    public float MathNet()
    {
        _input.AsSpan().CopyTo(_mathNet);
        Fourier.ForwardReal(_mathNet, Size, FourierOptions.NoScaling);
        Fourier.InverseReal(_mathNet, Size, FourierOptions.NoScaling);
        return _mathNet[1];
    }

    [Benchmark(Description = "RealFft Forward + Inverse")]
    public float Engine()
    {
        _fft.Forward(_input, _re, _im);
        _fft.Inverse(_re, _im, _output);
        return _output[1];
    }
}
