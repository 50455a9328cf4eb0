using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// "mixer": out = sum of in1..in8, each times its own glided gain (gain1..gain8, linear). Unconnected inputs
/// read silence. Several edges into one input are already summed by the compiler's mix tree.
/// </summary>
public sealed class MixerNode : AudioNode
{
    public const int InputCount = 8;

    // Audio thread only (after Prepare).
    private readonly ParameterSmoother[] _gains = new ParameterSmoother[InputCount];
    private float[] _ramp = [];

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _ramp = new float[context.MaxBlockFrames];
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        for (int k = 0; k < InputCount; k++)
        {
            _gains[k] = previous is MixerNode old
                ? ProcessorSmoothing.Continue(old._gains[k], parameters[k], context.SampleRate)
                : ProcessorSmoothing.Create(parameters[k], context.SampleRate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Process(in ProcessContext context)
    {
        int channels = context.OutputChannelCount;
        for (int c = 0; c < channels; c++)
        {
            context.Output(c).Clear();
        }

        Span<float> ramp = _ramp.AsSpan(0, context.Frames);
        for (int k = 0; k < InputCount; k++)
        {
            ref ParameterSmoother gain = ref _gains[k];
            gain.Target = context.Parameters[k];
            ParameterRamp.Fill(ref gain, ramp);
            for (int c = 0; c < channels; c++)
            {
                Span<float> output = context.Output(c);
                TernaryKernels.Ternary<MultiplyAddOperator>(context.Input((k * channels) + c), ramp, output, output);
            }
        }
    }

    public override void Reset()
    {
        for (int k = 0; k < InputCount; k++)
        {
            _gains[k].Snap();
        }
    }
}
