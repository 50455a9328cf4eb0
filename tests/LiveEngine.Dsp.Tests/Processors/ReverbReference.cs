using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Nodes;

namespace LiveEngine.Tests.Dsp.Processors;

/// <summary>
/// A plain scalar model of "reverb" for comparing the node against: sixteen separate delay lines, the Hadamard
/// matrix as a dense ±1 matrix (no fast transform), double accumulators, the same design formulas and glide.
/// Kept deliberately naive; it follows the maths in the node's remarks, not the node's code.
/// </summary>
internal sealed class ReverbReference
{
    private static readonly double[] s_lengthsMs =
        [29.7, 31.9, 34.3, 36.8, 39.6, 42.5, 45.7, 49.1, 52.8, 56.7, 60.9, 65.5, 70.3, 75.6, 81.2, 87.3];

    private const int Lines = ReverbNode.LineCount;
    private readonly float[][] _lines = new float[Lines][];
    private readonly int[] _lengths = new int[Lines];
    private readonly float[] _gains = new float[Lines];
    private readonly float[] _lowPass = new float[Lines];
    private readonly float _damping;
    private ParameterSmoother _mix;
    private int _write;

    public ReverbReference(int sampleRate, float decaySec, float damping, float mix, float size)
    {
        int previous = 0;
        for (int j = 0; j < Lines; j++)
        {
            int frames = (int)Math.Round(s_lengthsMs[j] * Math.Clamp(size, 0.1, ReverbNode.MaxSize) * sampleRate / 1000.0);
            _lengths[j] = NextPrime(Math.Max(frames, previous + 1));
            previous = _lengths[j];
            _lines[j] = new float[_lengths[j]];
            _gains[j] = (float)Math.Pow(10.0, -3.0 * _lengths[j] / (Math.Clamp(decaySec, 0.1, 30.0) * sampleRate));
        }

        double cornerHz = Math.Min(20_000.0 * Math.Pow(2.0, -7.0 * damping), 0.45 * sampleRate);
        _damping = damping <= 0 ? 0f : (float)Math.Exp(-2.0 * Math.PI * cornerHz / sampleRate);
        _mix = ProcessorSmoothing.Create(mix, sampleRate);
    }

    public ReadOnlySpan<int> LineLengths => _lengths;

    public float Mix
    {
        set => _mix.Target = value;
    }

    /// <summary>One frame: the dry input in, the mixed output out.</summary>
    public (float Left, float Right) Next(float left, float right)
    {
        // Each line is a ring of exactly its length: the slot about to be written holds the sample of L frames ago.
        var v = new float[Lines];
        double wetLeft = 0;
        double wetRight = 0;
        for (int j = 0; j < Lines; j++)
        {
            float tap = _lines[j][_write % _lengths[j]];
            _lowPass[j] = tap + (_damping * (_lowPass[j] - tap));
            v[j] = _lowPass[j] * _gains[j];
            wetLeft += Sign(0b0111_0001_0001_1011, j) * v[j];
            wetRight += Sign(0b1111_0110_0100_0010, j) * v[j];
        }

        for (int i = 0; i < Lines; i++)
        {
            double mixed = 0;
            for (int j = 0; j < Lines; j++)
            {
                mixed += (System.Numerics.BitOperations.PopCount((uint)(i & j)) % 2 == 0 ? 1 : -1) * v[j];
            }

            double fed = (0.25 * mixed) + (0.25 * Sign(0b1110_1001_1100_0001, i) * left) + (0.25 * Sign(0b1011_1101_0010_1000, i) * right);
            _lines[i][_write % _lengths[i]] = (float)fed;
        }

        _write++;
        float mix = ParameterRamp.Next(ref _mix);
        return ((left * (1f - mix)) + ((float)wetLeft * mix), (right * (1f - mix)) + ((float)wetRight * mix));
    }

    private static int Sign(int pattern, int line) => ((pattern >> line) & 1) != 0 ? -1 : 1;

    private static int NextPrime(int value)
    {
        int candidate = Math.Max(value, 2);
        while (Enumerable.Range(2, Math.Max(0, (int)Math.Sqrt(candidate) - 1)).Any(d => candidate % d == 0))
        {
            candidate++;
        }

        return candidate;
    }
}
