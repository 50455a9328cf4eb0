using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// Seeded white noise with a smoothed level (parameter 0); derived types colour it. The stream is a function
/// of <see cref="PrepareContext.Seed"/> and the frame count since the node started, so a re-render repeats
/// it exactly and two nodes with different ids differ.
/// </summary>
public abstract class NoiseNode : AudioNode
{
    private ulong _seed;
    private uint _counter;
    private ParameterSmoother _level;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _seed = context.Seed;
        _counter = 0;
        _level = ParameterSmoother.Create(context.Parameters.Span[0], OscillatorNode.SmoothingMs, context.SampleRate);
        if (previous is NoiseNode old && old.GetType() == GetType())
        {
            _seed = old._seed;
            _counter = old._counter;
            _level = old._level;
            _level.SetTime(OscillatorNode.SmoothingMs, context.SampleRate);
            _level.Target = context.Parameters.Span[0];
        }
    }

    public override void Reset()
    {
        _counter = 0;
        _level.Snap();
    }

    public override void Process(in ProcessContext context)
    {
        Span<float> output = context.Output(0);
        NoiseKernels.FillWhite(ref _counter, _seed, output);
        Colour(output);
        _level.Target = context.Parameters[0];
        _level.ApplyGain(output);
    }

    /// <summary>Filters the block's white noise in place. Audio thread only.</summary>
    protected abstract void Colour(Span<float> samples);
}
