using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// What every oscillator shares: a 32-bit phase accumulator (one period = 2^32) and smoothed freqHz and level
/// parameters (parameter 0 and 1). A constant frequency takes the vector phase kernel; a glide computes the
/// increment per frame. Both give the same phases, so output does not depend on the block split.
/// </summary>
public abstract class OscillatorNode : AudioNode
{
    /// <summary>Time constant of the freqHz and level glides.</summary>
    public const float SmoothingMs = 5f;

    private ParameterSmoother _frequency;
    private ParameterSmoother _level;
    private double _incrementPerHz;
    private uint[] _phases = [];
    private uint[] _increments = [];

    /// <summary>Phase of the last rendered frame. Audio thread only, after Prepare.</summary>
    protected uint Phase { get; private set; }

    /// <summary>Phase before the first frame of a fresh oscillator: where its waveform starts.</summary>
    protected virtual uint InitialPhase => 0;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _incrementPerHz = 4294967296.0 / context.SampleRate;
        _frequency = ParameterSmoother.Create(parameters[0], SmoothingMs, context.SampleRate);
        _level = ParameterSmoother.Create(parameters[1], SmoothingMs, context.SampleRate);
        _phases = new uint[context.MaxBlockFrames];
        _increments = new uint[context.MaxBlockFrames];
        Phase = InitialPhase;
        if (previous is OscillatorNode old && old.GetType() == GetType())
        {
            // Glide from where the old instance was to the new values instead of jumping.
            Phase = old.Phase;
            _frequency = old._frequency;
            _frequency.SetTime(SmoothingMs, context.SampleRate);
            _frequency.Target = parameters[0];
            _level = old._level;
            _level.SetTime(SmoothingMs, context.SampleRate);
            _level.Target = parameters[1];
        }
    }

    public override void Reset()
    {
        Phase = InitialPhase;
        _frequency.Snap();
        _level.Snap();
    }

    /// <summary>
    /// Reads freqHz and level for this block and fills the phase and increment of each of its frames.
    /// Audio thread only.
    /// </summary>
    protected void AdvancePhases(in ProcessContext context, out ReadOnlySpan<uint> phases, out ReadOnlySpan<uint> increments)
    {
        int frames = context.Frames;
        _frequency.Target = context.Parameters[0];
        _level.Target = context.Parameters[1];
        Span<uint> phaseSpan = _phases.AsSpan(0, frames);
        Span<uint> incrementSpan = _increments.AsSpan(0, frames);
        uint phase = Phase;
        if (!_frequency.IsSmoothing)
        {
            uint increment = OscillatorKernels.Increment(_frequency.Current, _incrementPerHz);
            OscillatorKernels.AdvancePhase(ref phase, increment, phaseSpan);
            incrementSpan.Fill(increment);
        }
        else
        {
            for (int i = 0; i < phaseSpan.Length; i++)
            {
                uint increment = OscillatorKernels.Increment(_frequency.Next(), _incrementPerHz);
                phase += increment;
                phaseSpan[i] = phase;
                incrementSpan[i] = increment;
            }
        }

        Phase = phase;
        phases = phaseSpan;
        increments = incrementSpan;
    }

    /// <summary>
    /// For a voice bank: reads the block's parameters; true when neither frequency nor level glides, and then
    /// <paramref name="phase"/>, <paramref name="increment"/> and <paramref name="level"/> hold for the whole block
    /// (the bank advances the phase and hands it back through <see cref="EndBankBlock"/>). Audio thread only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool TryBeginBankBlock(ReadOnlySpan<float> parameters, out uint phase, out uint increment, out float level)
    {
        ReclaimFromBank();
        return TryBeginOwnedBankBlock(parameters, out phase, out increment, out level);
    }

    /// <summary>
    /// <see cref="TryBeginBankBlock"/> for the bank that holds this node's state itself (its <paramref name="phase"/> is
    /// then the node's stale one). Audio thread only.
    /// </summary>
    internal bool TryBeginOwnedBankBlock(ReadOnlySpan<float> parameters, out uint phase, out uint increment, out float level)
    {
        _frequency.Target = parameters[0];
        _level.Target = parameters[1];
        phase = Phase;
        level = _level.Current;
        increment = OscillatorKernels.Increment(_frequency.Current, _incrementPerHz);
        return !_frequency.IsSmoothing && !_level.IsSmoothing;
    }

    /// <summary>For a voice bank that takes the node's state over: the phase of the last rendered frame. Audio thread only.</summary>
    internal uint BankPhase => Phase;

    /// <summary>For a voice bank: the phase of the block's last frame. Audio thread only.</summary>
    internal void EndBankBlock(uint phase) => Phase = phase;

    /// <summary>Before a bank reads this node's state for a block: a node whose state another bank holds takes it back. Audio thread only.</summary>
    protected virtual void ReclaimFromBank()
    {
    }

    /// <summary>Multiplies <paramref name="output"/> by the (smoothed) level. Audio thread only.</summary>
    protected void ApplyLevel(Span<float> output) => _level.ApplyGain(output);
}
