using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LiveEngine.Benchmarks.Kernels;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;

namespace LiveEngine.Benchmarks.Nodes;

/// <summary>
/// "convolution" with a 2 s stereo impulse response at 48 kHz (96,000 frames a channel, decaying noise), one 128-frame
/// stereo block per invocation (ns per block): stereo (left with left, right with right), true stereo (four channels,
/// each input into both outputs), and the uniform scheme with 512-frame partitions. The non-uniform scheme's large
/// partitions spread their work over many blocks, so the mean over a run is the cost of a block in the long run; Max
/// shows the worst invocation seen.
/// Run: dotnet run -c Release --project tests/LiveEngine.Benchmarks -- --filter '*ConvolutionNode*'
/// </summary>
[MemoryDiagnoser]
public unsafe class ConvolutionNodeBenchmarks
{
    private const int Frames = 128;
    private const int SampleRate = 48_000;
    private readonly float[] _parameters = [1, 1];
    private readonly int[] _inputs = [0, Frames];
    private readonly int[] _outputs = [2 * Frames, 3 * Frames];
    private float[] _arena = [];
    private float* _base;
    private ConvolutionNode _stereo = null!;
    private ConvolutionNode _trueStereo = null!;
    private ConvolutionNode _uniform = null!;

    [GlobalSetup]
    public void Setup()
    {
        _arena = GC.AllocateArray<float>((4 * Frames) + 16, pinned: true);
        _base = (float*)(((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_arena)) + 63) & ~(nuint)63);
        KernelSignals.Uniform(2 * Frames, seed: 3, peak: 0.5f).AsSpan().CopyTo(new Span<float>(_base, 2 * Frames));
        float[][] channels = [.. Enumerable.Range(0, 4).Select(c => DecayingNoise(2 * SampleRate, c))];
        SampleLibrary.Shared.Add("bench-ir-stereo", [channels[0], channels[1]], SampleRate);
        SampleLibrary.Shared.Add("bench-ir-true-stereo", channels, SampleRate);
        _stereo = Prepare("bench-ir-stereo", "nonuniform");
        _trueStereo = Prepare("bench-ir-true-stereo", "nonuniform");
        _uniform = Prepare("bench-ir-stereo", "uniform");
        Console.WriteLine($"// partitions: {string.Join(", ", _stereo.Convolver.PartitionSizes)}");
    }

    [Benchmark(Baseline = true, Description = "convolution 2 s stereo, non-uniform (0 latency)")]
    public void Stereo() => Run(_stereo);

    [Benchmark(Description = "convolution 2 s true stereo, non-uniform (0 latency)")]
    public void TrueStereo() => Run(_trueStereo);

    [Benchmark(Description = "convolution 2 s stereo, uniform 512 (512 frames latency)")]
    public void Uniform() => Run(_uniform);

    private ConvolutionNode Prepare(string ir, string scheme)
    {
        var node = new ConvolutionNode();
        var options = new Dictionary<string, string> { ["ir"] = ir, ["scheme"] = scheme };
        node.Prepare(new PrepareContext(SampleRate, Frames, 2, _parameters, 1, options), null);
        return node;
    }

    private void Run(AudioNode node)
    {
        var context = new ProcessContext(_base, _inputs, _outputs, _parameters, Frames, 0);
        node.Process(in context);
    }

    private static float[] DecayingNoise(int frames, int seed)
    {
        var random = new Random(seed);
        var noise = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            noise[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / frames));
        }

        return noise;
    }
}
