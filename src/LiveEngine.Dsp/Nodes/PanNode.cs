using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// "pan": mono in, stereo out, equal-power. With theta = (pan + 1) pi / 4, left = cos(theta) and
/// right = sin(theta), written as left = sin((1 - pan) pi / 4) so that both hard positions give an exact 0
/// on the far side (cos(pi / 2) in floating point is 6e-17, not 0). Centre: both sides 1/sqrt(2), -3 dB.
/// </summary>
public sealed class PanNode : AudioNode
{
    // Audio thread only (after Prepare).
    private ParameterSmoother _pan;
    private float[] _leftRamp = [];
    private float[] _rightRamp = [];

    public static float LeftGain(float pan) => (float)Math.Sin((1.0 - pan) * (Math.PI / 4.0));

    public static float RightGain(float pan) => (float)Math.Sin((1.0 + pan) * (Math.PI / 4.0));

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _leftRamp = new float[context.MaxBlockFrames];
        _rightRamp = new float[context.MaxBlockFrames];
        float pan = context.Parameters.Span[0];
        _pan = previous is PanNode old
            ? ProcessorSmoothing.Continue(old._pan, pan, context.SampleRate)
            : ProcessorSmoothing.Create(pan, context.SampleRate);
    }

    public override void Process(in ProcessContext context)
    {
        _pan.Target = Math.Clamp(context.Parameters[0], -1f, 1f);
        ReadOnlySpan<float> input = context.Input(0);
        if (!_pan.IsSmoothing)
        {
            VectorKernels.BinaryScalarOperand<MultiplyOperator>(input, LeftGain(_pan.Current), context.Output(0));
            VectorKernels.BinaryScalarOperand<MultiplyOperator>(input, RightGain(_pan.Current), context.Output(1));
            return;
        }

        Span<float> left = _leftRamp.AsSpan(0, context.Frames);
        Span<float> right = _rightRamp.AsSpan(0, context.Frames);
        for (int i = 0; i < left.Length; i++)
        {
            float pan = ParameterRamp.Next(ref _pan);
            left[i] = LeftGain(pan);
            right[i] = RightGain(pan);
        }

        VectorKernels.Binary<MultiplyOperator>(input, left, context.Output(0));
        VectorKernels.Binary<MultiplyOperator>(input, right, context.Output(1));
    }

    /// <summary>
    /// For a voice bank: reads the block's position; true when it glides (then call <see cref="NextBankFrame"/> once
    /// per frame), else <paramref name="pan"/> holds for the block. Audio thread only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool BeginBankBlock(ReadOnlySpan<float> parameters, out float pan)
    {
        _pan.Target = Math.Clamp(parameters[0], -1f, 1f);
        pan = _pan.Current;
        return _pan.IsSmoothing;
    }

    /// <summary>For a voice bank: the next frame's position of a glide. Audio thread only.</summary>
    internal float NextBankFrame() => ParameterRamp.Next(ref _pan);

    public override void Reset()
    {
        _pan.Snap();
    }
}
