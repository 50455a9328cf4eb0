using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// An ADSR envelope as a mono signal, 0..level (parameters attackMs, decayMs, sustain, releaseMs, gate,
/// level). The gate opens when its parameter rises above 0.5 and closes when it falls back; see
/// <see cref="AdsrEnvelope"/> for the exact frame of every segment end.
/// </summary>
public sealed class AdsrNode : AudioNode
{
    private const int AttackParameter = 0;
    private const int DecayParameter = 1;
    private const int SustainParameter = 2;
    private const int ReleaseParameter = 3;
    private const int GateParameter = 4;
    private const int LevelParameter = 5;

    private AdsrEnvelope _envelope;
    private ParameterSmoother _level;
    private double _framesPerMs;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        _framesPerMs = context.SampleRate / 1000.0;
        float level = context.Parameters.Span[LevelParameter];
        _envelope = default;
        _level = ParameterSmoother.Create(level, OscillatorNode.SmoothingMs, context.SampleRate);
        if (previous is AdsrNode old)
        {
            _envelope = old._envelope;
            _level = old._level;
            _level.SetTime(OscillatorNode.SmoothingMs, context.SampleRate);
            _level.Target = level;
        }
    }

    public override void Reset()
    {
        _envelope.Reset();
        _level.Snap();
    }

    public override void Process(in ProcessContext context)
    {
        // Events apply at a frame of the block: the gate parameter is the one event today, at frame 0. Timed
        // events will render up to each event's frame, apply it with SetGate, and render on from there.
        BeginBankBlock(context.Parameters);
        Span<float> output = context.Output(0);
        _envelope.Render(output);
        _level.ApplyGain(output);
    }

    /// <summary>
    /// What <see cref="Process"/> (and a voice bank, for its lane) does before the envelope renders: segment lengths,
    /// sustain, level target, and the gate at the block's first frame. A bank then renders the envelope across lanes
    /// and applies <see cref="BankLevel"/>. Audio thread only.
    /// </summary>
    internal void BeginBankBlock(ReadOnlySpan<float> parameters)
    {
        _envelope.Configure(
            Frames(parameters[AttackParameter]),
            Frames(parameters[DecayParameter]),
            parameters[SustainParameter],
            Frames(parameters[ReleaseParameter]));
        _level.Target = parameters[LevelParameter];
        _envelope.SetGate(parameters[GateParameter] > 0.5f);
    }

    /// <summary>For a voice bank: the envelope, which the bank advances. Audio thread only.</summary>
    internal ref AdsrEnvelope BankEnvelope => ref _envelope;

    /// <summary>For a voice bank: the level the envelope is multiplied by. Audio thread only.</summary>
    internal ref ParameterSmoother BankLevel => ref _level;

    private int Frames(float milliseconds) => (int)Math.Round(Math.Clamp(milliseconds, 0f, 60_000f) * _framesPerMs);
}
