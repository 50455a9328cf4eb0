using System.Runtime.CompilerServices;
using LiveEngine.Kernels;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Glides a value toward a target, one sample at a time: a one-pole low-pass whose time constant is
/// <c>timeMs</c> (63 % of a step after <c>timeMs</c>, 99 % after about 4.6 times it). Allocation-free and
/// block-size independent, since it advances exactly one step per <see cref="Next"/>. Once the remaining
/// distance is below a relative threshold it lands on the target exactly, so <see cref="IsSmoothing"/>
/// becomes false and callers can take a constant-value fast path.
/// </summary>
/// <remarks>
/// Typical use in a node: set <see cref="Target"/> from the block's parameter value, then call
/// <see cref="Next"/> once per frame while <see cref="IsSmoothing"/>, or use <see cref="Current"/> as a
/// constant for the whole block when it is not. Owned by one node: not thread-safe.
/// </remarks>
public struct ParameterSmoother
{
    // Landing threshold relative to the target's size (plus an absolute floor for targets near zero):
    // 1e-5 relative is 0.02 cent for a frequency and -100 dB for a level, well below audibility.
    private const float RelativeLanding = 1e-5f;
    private const float AbsoluteLanding = 1e-7f;

    // The glide runs in double: in float, a slow glide (small coefficient) would stall when
    // distance × coefficient falls below half an ulp, short of the landing threshold.
    private double _current;
    private float _target;
    private double _coefficient;

    /// <summary>A smoother resting at <paramref name="initial"/> with time constant <paramref name="timeMs"/> (0 jumps at once).</summary>
    public static ParameterSmoother Create(float initial, float timeMs, int sampleRate)
    {
        var smoother = new ParameterSmoother { _current = initial, _target = initial };
        smoother.SetTime(timeMs, sampleRate);
        return smoother;
    }

    /// <summary>The value the smoother glides toward. Setting it starts a glide from <see cref="Current"/>.</summary>
    public float Target
    {
        readonly get => _target;
        set => _target = value;
    }

    /// <summary>The value last returned by <see cref="Next"/> (or the initial value).</summary>
    public readonly float Current => (float)_current;

    /// <summary>False once <see cref="Current"/> equals <see cref="Target"/> exactly.</summary>
    public readonly bool IsSmoothing => _current != _target;

    /// <summary>Changes the time constant, keeping the current value and target. 0 ms jumps on the next step.</summary>
    public void SetTime(float timeMs, int sampleRate)
    {
        _coefficient = Coefficient(timeMs, sampleRate);
    }

    /// <summary>Advances one sample and returns the new current value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Next()
    {
        double distance = _target - _current;
        if (Math.Abs(distance) <= (RelativeLanding * Math.Abs(_target)) + AbsoluteLanding)
        {
            _current = _target;
        }
        else
        {
            _current += distance * _coefficient;
        }

        return (float)_current;
    }

    /// <summary>
    /// Multiplies <paramref name="samples"/> by the glide, one <see cref="Next"/> per sample; a vector multiply
    /// by <see cref="Current"/> when not smoothing (same bits either way).
    /// </summary>
    public void ApplyGain(Span<float> samples)
    {
        if (!IsSmoothing)
        {
            if (_target != 1f)
            {
                VectorKernels.BinaryScalarOperand<MultiplyOperator>(samples, _target, samples);
            }

            return;
        }

        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] *= Next();
        }
    }

    /// <summary>Jumps to the target at once (for a fresh start, or a parameter that must not glide).</summary>
    public void Snap()
    {
        _current = _target;
    }

    /// <summary>The per-sample one-pole coefficient 1 - e^(-1 / (timeMs * sampleRate / 1000)); 1 for time 0.</summary>
    public static double Coefficient(float timeMs, int sampleRate)
    {
        double frames = Math.Max(0.0, timeMs) * sampleRate / 1000.0;
        return frames <= 0 ? 1.0 : -double.ExpM1(-1.0 / frames);
    }
}
