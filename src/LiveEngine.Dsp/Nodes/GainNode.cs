using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>"gain": out = in × level, with level glided per sample. Parameters: level (linear).</summary>
public sealed class GainNode : AudioNode
{
    // Audio thread only (after Prepare).
    private ParameterSmoother _level;
    private float[] _ramp = [];

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _ramp = new float[context.MaxBlockFrames];
        float level = context.Parameters.Span[0];
        _level = previous is GainNode old
            ? ProcessorSmoothing.Continue(old._level, level, context.SampleRate)
            : ProcessorSmoothing.Create(level, context.SampleRate);
    }

    public override void Process(in ProcessContext context)
    {
        _level.Target = context.Parameters[0];
        int channels = context.OutputChannelCount;
        if (!_level.IsSmoothing)
        {
            for (int c = 0; c < channels; c++)
            {
                VectorKernels.BinaryScalarOperand<MultiplyOperator>(context.Input(c), _level.Current, context.Output(c));
            }

            return;
        }

        Span<float> ramp = _ramp.AsSpan(0, context.Frames);
        ParameterRamp.Fill(ref _level, ramp);
        for (int c = 0; c < channels; c++)
        {
            VectorKernels.Binary<MultiplyOperator>(context.Input(c), ramp, context.Output(c));
        }
    }

    /// <summary>
    /// For a voice bank: reads the block's level and returns it, or fills <paramref name="ramp"/> (frames long) with
    /// the glide and returns NaN. Audio thread only.
    /// </summary>
    internal float BeginBankBlock(ReadOnlySpan<float> parameters, Span<float> ramp)
    {
        _level.Target = parameters[0];
        if (!_level.IsSmoothing)
        {
            return _level.Current;
        }

        ParameterRamp.Fill(ref _level, ramp);
        return float.NaN;
    }

    public override void Reset()
    {
        _level.Snap();
    }
}
