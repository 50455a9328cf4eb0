using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The RBJ biquad family ("lpf", "hpf", "bpf", "notch", "peak", "lowshelf", "highshelf"): transposed direct
/// form II in double (see <see cref="BiquadCoefficients"/>). Parameters: cutoffHz, q, gainDb, each glided;
/// coefficients are redesigned per frame only while a glide runs, otherwise kept.
/// </summary>
public sealed class BiquadNode : AudioNode
{
    private readonly BiquadType _type;

    // Audio thread only (after Prepare).
    private int _sampleRate;
    private long _position;
    private ParameterSmoother _cutoffHz;
    private ParameterSmoother _q;
    private ParameterSmoother _gainDb;
    private BiquadCoefficients _coefficients;
    private BiquadCoefficients[] _ramp = [];
    private BiquadState[] _states = [];

    public BiquadNode(BiquadType type)
    {
        _type = type;
    }

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _sampleRate = context.SampleRate;
        _ramp = new BiquadCoefficients[context.MaxBlockFrames];
        _states = new BiquadState[context.Channels];
        _cutoffHz = ProcessorSmoothing.Create(parameters[0], _sampleRate);
        _q = ProcessorSmoothing.Create(parameters[1], _sampleRate);
        _gainDb = ProcessorSmoothing.Create(parameters[2], _sampleRate);
        if (previous is BiquadNode old && old._type == _type && old._sampleRate == _sampleRate)
        {
            _position = old._position;
            _cutoffHz = ProcessorSmoothing.Continue(old._cutoffHz, parameters[0], _sampleRate);
            _q = ProcessorSmoothing.Continue(old._q, parameters[1], _sampleRate);
            _gainDb = ProcessorSmoothing.Continue(old._gainDb, parameters[2], _sampleRate);
            if (old._states.Length == _states.Length)
            {
                old._states.AsSpan().CopyTo(_states);
            }
        }

        _coefficients = Design();
    }

    public override void Process(in ProcessContext context)
    {
        _cutoffHz.Target = context.Parameters[0];
        _q.Target = context.Parameters[1];
        _gainDb.Target = context.Parameters[2];
        int frames = context.Frames;
        bool gliding = _cutoffHz.IsSmoothing || _q.IsSmoothing || _gainDb.IsSmoothing;
        if (gliding)
        {
            for (int i = 0; i < frames; i++)
            {
                ParameterRamp.Next(ref _cutoffHz);
                ParameterRamp.Next(ref _q);
                ParameterRamp.Next(ref _gainDb);
                _ramp[i] = Design();
            }

            _coefficients = _ramp[frames - 1];
        }

        ReadOnlySpan<BiquadCoefficients> ramp = gliding ? _ramp.AsSpan(0, frames) : default;
        RecursiveFilterRunner.Run<BiquadFilterKernel, BiquadCoefficients, BiquadState>(context, _states, _coefficients, ramp, ref _position);
    }

    public override void Reset()
    {
        Array.Clear(_states);
        _cutoffHz.Snap();
        _q.Snap();
        _gainDb.Snap();
        _coefficients = Design();
    }

    private BiquadCoefficients Design() => BiquadCoefficients.Design(_type, _cutoffHz.Current, _q.Current, _gainDb.Current, _sampleRate);
}
