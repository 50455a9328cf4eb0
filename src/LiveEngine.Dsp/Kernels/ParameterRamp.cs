using System.Runtime.CompilerServices;

namespace LiveEngine.Dsp.Kernels;

/// <summary>Turns a <see cref="ParameterSmoother"/> into one value per frame, so kernels can work on spans.</summary>
public static class ParameterRamp
{
    /// <summary>
    /// Writes the smoother's next <c>destination.Length</c> values. The values equal those of as many
    /// <see cref="ParameterSmoother.Next"/> calls, so a ramp never depends on how the stream is split into blocks.
    /// </summary>
    public static void Fill(ref ParameterSmoother smoother, Span<float> destination)
    {
        int i = 0;
        for (; i < destination.Length && smoother.IsSmoothing; i++)
        {
            destination[i] = Next(ref smoother);
        }

        destination[i..].Fill(smoother.Current);
    }

    /// <summary>
    /// <see cref="ParameterSmoother.Next"/>, landing on the target when a step no longer moves the value: near a
    /// large target a one-pole step can round to nothing before the landing threshold is reached (at 2.0 with a
    /// 10 ms glide at 48 kHz it stalls 3e-5 short), which would keep callers on their per-frame path for ever.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Next(ref ParameterSmoother smoother)
    {
        float before = smoother.Current;
        float value = smoother.Next();
        if (value == before)
        {
            smoother.Snap();
            value = smoother.Current;
        }

        return value;
    }
}
