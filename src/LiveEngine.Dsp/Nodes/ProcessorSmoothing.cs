using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Nodes;

/// <summary>The processor nodes' parameter glides: one time constant, and how a replaced node's glide carries on.</summary>
internal static class ProcessorSmoothing
{
    /// <summary>Time constant of every processor parameter glide: short enough to follow a knob, long enough not to click.</summary>
    public const float TimeMs = 10f;

    public static ParameterSmoother Create(float initial, int sampleRate) => ParameterSmoother.Create(initial, TimeMs, sampleRate);

    /// <summary>A new node's glide that starts where the replaced node's glide was and heads for <paramref name="target"/>.</summary>
    public static ParameterSmoother Continue(ParameterSmoother previous, float target, int sampleRate)
    {
        previous.SetTime(TimeMs, sampleRate);
        previous.Target = target;
        return previous;
    }
}
