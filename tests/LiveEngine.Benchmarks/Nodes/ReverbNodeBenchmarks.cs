using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LiveEngine.Benchmarks.Kernels;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;

namespace LiveEngine.Benchmarks.Nodes;

/// <summary>
/// "reverb", one 128-frame stereo block per invocation (ns per block), default parameters (decaySec 2,
/// damping 0.3, mix 0.3, size 1) on uniform noise: the scalar node it replaced (kept below, verbatim) as baseline,
/// the SIMD node on the path it picks (printed), and its Vector256 and scalar paths. The tail is built up in set-up so the lines
/// hold signal, as they do in a session.
/// Run: dotnet run -c Release --project tests/LiveEngine.Benchmarks -- --filter '*Reverb*' --job short
/// </summary>
[MemoryDiagnoser]
public unsafe class ReverbNodeBenchmarks
{
    private const int Frames = 128;
    private const int SampleRate = 48_000;
    private readonly float[] _parameters = [2, 0.3f, 0.3f, 1];
    private readonly int[] _inputs = [0, Frames];
    private readonly int[] _outputs = [2 * Frames, 3 * Frames];
    private float[] _arena = [];
    private float* _base;
    private long _sampleTime;
    private AudioNode _scalar = null!;
    private ReverbNode _simd = null!;
    private ReverbNode _vector256 = null!;
    private ReverbNode _newScalar = null!;

    [GlobalSetup]
    public void Setup()
    {
        _arena = GC.AllocateArray<float>((4 * Frames) + 16, pinned: true);
        _base = (float*)(((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_arena)) + 63) & ~(nuint)63);
        float[] noise = KernelSignals.Uniform(2 * Frames, seed: 3, peak: 0.5f);
        noise.AsSpan().CopyTo(new Span<float>(_base, 2 * Frames));

        _scalar = Prepare(new ScalarReverbNode());
        _simd = Prepare(new ReverbNode());
        _vector256 = Prepare(new ReverbNode { Path = ReverbNode.ProcessPath.Vector256 });
        _newScalar = Prepare(new ReverbNode { Path = ReverbNode.ProcessPath.Scalar });
        Console.WriteLine($"// reverb path: {_simd.Path}");

        // Half a second: every line has been written and read back.
        for (int b = 0; b < SampleRate / 2 / Frames; b++)
        {
            Scalar();
            Simd();
            Vector256();
            NewScalar();
        }
    }

    [Benchmark(Baseline = true, Description = "reverb scalar (before)")]
    public void Scalar() => Run(_scalar);

    [Benchmark(Description = "reverb SIMD (best path)")]
    public void Simd() => Run(_simd);

    [Benchmark(Description = "reverb Vector256 path")]
    public void Vector256() => Run(_vector256);

    [Benchmark(Description = "reverb scalar path (specification)")]
    public void NewScalar() => Run(_newScalar);

    private T Prepare<T>(T node)
        where T : AudioNode
    {
        node.Prepare(new PrepareContext(SampleRate, Frames, 2, _parameters, 1, new Dictionary<string, string>()), null);
        return node;
    }

    private void Run(AudioNode node)
    {
        var context = new ProcessContext(_base, _inputs, _outputs, _parameters, Frames, _sampleTime);
        node.Process(in context);
        _sampleTime += Frames;
    }

    /// <summary>The scalar node as it was before the SIMD rewrite (ReverbNode.cs), for comparison only.</summary>
    private sealed class ScalarReverbNode : AudioNode
    {
        private const int LineCount = 16;
        private const float MaxSize = 2f;

        // Line lengths at size 1, in ms: a geometric series of ratio 1.075.
        private static readonly double[] s_lengthsMs =
            [29.7, 31.9, 34.3, 36.8, 39.6, 42.5, 45.7, 49.1, 52.8, 56.7, 60.9, 65.5, 70.3, 75.6, 81.2, 87.3];

        // Bit j set: line j takes (or gives) the signal inverted. Four balanced, mutually orthogonal patterns, none
        // close to a Walsh function (a Walsh pattern would tap a single line of the mixed vector).
        private const int InputLeftSigns = 0b1110_1001_1100_0001;
        private const int InputRightSigns = 0b1011_1101_0010_1000;
        private const int OutputLeftSigns = 0b0111_0001_0001_1011;
        private const int OutputRightSigns = 0b1111_0110_0100_0010;

        // 1/sqrt(16): the Walsh-Hadamard transform of 16 points scaled to be orthonormal (lossless).
        private const float HadamardScale = 0.25f;
        private const float InputGain = 0.25f;
        private const float OutputGain = 1f;

        // Audio thread only (after Prepare).
        private int _sampleRate;
        private int _mask;
        private int _write;
        private float _designedDecaySec = float.NaN;
        private float _designedDamping = float.NaN;
        private float _designedSize = float.NaN;
        private float _dampingCoefficient;
        private ParameterSmoother _mix;
        private readonly int[] _lengths = new int[LineCount];
        private readonly float[] _lineGains = new float[LineCount];
        private readonly float[] _lowPassStates = new float[LineCount];
        private readonly float[] _inputLeft = Signs(InputLeftSigns, InputGain);
        private readonly float[] _inputRight = Signs(InputRightSigns, InputGain);
        private readonly float[] _outputLeft = Signs(OutputLeftSigns, OutputGain);
        private readonly float[] _outputRight = Signs(OutputRightSigns, OutputGain);
        private float[][] _lines = [];

        public override void Prepare(in PrepareContext context, AudioNode? previous)
        {
            ReadOnlySpan<float> parameters = context.Parameters.Span;
            _sampleRate = context.SampleRate;
            int longest = NextPrime((int)Math.Ceiling(s_lengthsMs[LineCount - 1] * MaxSize * _sampleRate / 1000.0) + LineCount);
            int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)longest + 1);
            _mask = capacity - 1;
            _lines = new float[LineCount][];
            for (int j = 0; j < LineCount; j++)
            {
                _lines[j] = new float[capacity];
            }

            _mix = ProcessorSmoothing.Create(parameters[2], _sampleRate);
            if (previous is ScalarReverbNode old && old._sampleRate == _sampleRate && old._mask == _mask)
            {
                _mix = ProcessorSmoothing.Continue(old._mix, parameters[2], _sampleRate);
                _write = old._write;
                old._lowPassStates.AsSpan().CopyTo(_lowPassStates);
                for (int j = 0; j < LineCount; j++)
                {
                    old._lines[j].AsSpan().CopyTo(_lines[j]);
                }
            }

            Design(parameters[0], parameters[1], parameters[3]);
        }

        public override void Process(in ProcessContext context)
        {
            ReadOnlySpan<float> parameters = context.Parameters;
            if (parameters[0] != _designedDecaySec || parameters[1] != _designedDamping || parameters[3] != _designedSize)
            {
                Design(parameters[0], parameters[1], parameters[3]);
            }

            _mix.Target = parameters[2];
            ReadOnlySpan<float> inLeft = context.Input(0);
            ReadOnlySpan<float> inRight = context.Input(1);
            Span<float> outLeft = context.Output(0);
            Span<float> outRight = context.Output(1);
            Span<float> y = stackalloc float[LineCount];
            float damping = _dampingCoefficient;
            for (int i = 0; i < context.Frames; i++)
            {
                int write = _write;
                float wetLeft = 0f;
                float wetRight = 0f;
                for (int j = 0; j < LineCount; j++)
                {
                    float tap = _lines[j][(write - _lengths[j]) & _mask];
                    float filtered = tap + (damping * (_lowPassStates[j] - tap));
                    _lowPassStates[j] = filtered;
                    float v = filtered * _lineGains[j];
                    y[j] = v;
                    wetLeft += _outputLeft[j] * v;
                    wetRight += _outputRight[j] * v;
                }

                FastWalshHadamard16(y);
                float left = inLeft[i];
                float right = inRight[i];
                for (int j = 0; j < LineCount; j++)
                {
                    float fed = (y[j] * HadamardScale) + (_inputLeft[j] * left) + (_inputRight[j] * right);
                    _lines[j][write] = MathF.Abs(fed) < SanitizeKernels.FlushThreshold ? 0f : fed;
                }

                if ((write & (DenormalGrid.Frames - 1)) == 0)
                {
                    FlushLowPassStates();
                }

                float mix = ParameterRamp.Next(ref _mix);
                outLeft[i] = (left * (1f - mix)) + (wetLeft * mix);
                outRight[i] = (right * (1f - mix)) + (wetRight * mix);
                _write = (write + 1) & _mask;
            }
        }

        public override void Reset()
        {
            foreach (float[] line in _lines)
            {
                Array.Clear(line);
            }

            Array.Clear(_lowPassStates);
            _write = 0;
            _mix.Snap();
        }

        private void Design(float decaySec, float damping, float size)
        {
            _designedDecaySec = decaySec;
            _designedDamping = damping;
            _designedSize = size;
            double clampedSize = Math.Clamp(size, 0.1, MaxSize);
            int previous = 0;
            for (int j = 0; j < LineCount; j++)
            {
                int frames = (int)Math.Round(s_lengthsMs[j] * clampedSize * _sampleRate / 1000.0);
                _lengths[j] = NextPrime(Math.Max(frames, previous + 1));
                previous = _lengths[j];
            }

            double decay = Math.Clamp(decaySec, 0.1, 30.0) * _sampleRate;
            for (int j = 0; j < LineCount; j++)
            {
                _lineGains[j] = (float)Math.Pow(10.0, -3.0 * _lengths[j] / decay);
            }

            // Damping 0 bypasses the loop filter; 1 puts its corner near 160 Hz (20 kHz halved 7 times).
            double dampingClamped = Math.Clamp(damping, 0f, 1f);
            double cornerHz = Math.Min(20_000.0 * Math.Pow(2.0, -7.0 * dampingClamped), 0.45 * _sampleRate);
            _dampingCoefficient = dampingClamped <= 0 ? 0f : (float)Math.Exp(-2.0 * Math.PI * cornerHz / _sampleRate);
        }

        private void FlushLowPassStates()
        {
            for (int j = 0; j < LineCount; j++)
            {
                _lowPassStates[j] = MathF.Abs(_lowPassStates[j]) < SanitizeKernels.FlushThreshold ? 0f : _lowPassStates[j];
            }
        }

        private static void FastWalshHadamard16(Span<float> y)
        {
            for (int half = 1; half < LineCount; half <<= 1)
            {
                for (int start = 0; start < LineCount; start += half << 1)
                {
                    for (int j = start; j < start + half; j++)
                    {
                        float a = y[j];
                        float b = y[j + half];
                        y[j] = a + b;
                        y[j + half] = a - b;
                    }
                }
            }
        }

        private static int NextPrime(int value)
        {
            for (int candidate = Math.Max(value, 2); ; candidate++)
            {
                if (IsPrime(candidate))
                {
                    return candidate;
                }
            }
        }

        private static bool IsPrime(int value)
        {
            if (value < 4)
            {
                return value >= 2;
            }

            if (value % 2 == 0)
            {
                return false;
            }

            for (int divisor = 3; divisor * divisor <= value; divisor += 2)
            {
                if (value % divisor == 0)
                {
                    return false;
                }
            }

            return true;
        }

        private static float[] Signs(int pattern, float gain)
        {
            var signs = new float[LineCount];
            for (int j = 0; j < LineCount; j++)
            {
                signs[j] = ((pattern >> j) & 1) != 0 ? -gain : gain;
            }

            return signs;
        }
    }
}
