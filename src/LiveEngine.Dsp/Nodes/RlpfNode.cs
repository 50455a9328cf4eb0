using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// "rlpf": resonant 12 dB/octave low-pass, the low-pass output of Simper's trapezoidal state-variable filter
/// (see <see cref="SvfCoefficients"/>). Parameters cutoffHz and q (SuperCollider's RLPF with rq = 1 / q);
/// the gain at the cutoff is q. Glided per frame; the TPT structure stays stable under any modulation.
/// </summary>
public sealed class RlpfNode : AudioNode
{
    // Audio thread only (after Prepare).
    private int _sampleRate;
    private long _position;
    private ParameterSmoother _cutoffHz;
    private ParameterSmoother _q;
    private SvfCoefficients _coefficients;
    private SvfCoefficients[] _ramp = [];
    private SvfState[] _states = [];

    // The saw voice bank holding channel 0's state (and the frames it played) instead of the node (null: the node
    // holds it). Written by the bank that owns it and by whoever takes it over, never at the same time.
    private IBankLaneOwner? _bankOwner;
    private int _bankLane;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        if (previous is RlpfNode { _bankOwner: { } owner } banked)
        {
            owner.CopyToNodes(banked._bankLane);
        }

        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _sampleRate = context.SampleRate;
        _ramp = new SvfCoefficients[context.MaxBlockFrames];
        _states = new SvfState[context.Channels];
        _cutoffHz = ProcessorSmoothing.Create(parameters[0], _sampleRate);
        _q = ProcessorSmoothing.Create(parameters[1], _sampleRate);
        if (previous is RlpfNode old && old._sampleRate == _sampleRate)
        {
            _position = old._position;
            _cutoffHz = ProcessorSmoothing.Continue(old._cutoffHz, parameters[0], _sampleRate);
            _q = ProcessorSmoothing.Continue(old._q, parameters[1], _sampleRate);
            if (old._states.Length == _states.Length)
            {
                old._states.AsSpan().CopyTo(_states);
            }
        }

        _coefficients = Design();
    }

    public override void Process(in ProcessContext context)
    {
        ReclaimFromBank();
        ReadOnlySpan<SvfCoefficients> ramp = BeginBlock(context.Parameters, context.Frames);
        RecursiveFilterRunner.Run<SvfLowPassKernel, SvfCoefficients, SvfState>(context, _states, _coefficients, ramp, ref _position);
    }

    /// <summary>The coefficients while not gliding (after <see cref="BeginBlock"/>). Audio thread only.</summary>
    internal SvfCoefficients Coefficients => _coefficients;

    /// <summary>
    /// Channel 0's state, for a voice bank that reads and writes it each block; taken back first from a bank that
    /// holds it. Audio thread only.
    /// </summary>
    internal ref SvfState BankState
    {
        get
        {
            ReclaimFromBank();
            return ref _states[0];
        }
    }

    /// <summary>The bank that holds this node's state, if any. Audio thread only.</summary>
    internal IBankLaneOwner? BankOwner => _bankOwner;

    /// <summary>The lane of <see cref="BankOwner"/> this node plays in. Audio thread only.</summary>
    internal int BankLane => _bankLane;

    /// <summary>For a voice bank that takes the node's state over: channel 0's state, from now on the bank's. Audio thread only.</summary>
    internal SvfState AdoptBankState(IBankLaneOwner owner, int lane)
    {
        _bankLane = lane;
        _bankOwner = owner;
        return _states[0];
    }

    /// <summary>
    /// For the bank that holds the node's state: writes it back, with the frames the bank played since it took it or
    /// last wrote it. Audio thread only.
    /// </summary>
    internal void WriteBankState(in SvfState state, long frames)
    {
        _states[0] = state;
        _position += frames;
    }

    /// <summary>
    /// For the bank that owned the node and wrote its state back: the node holds it again, unless another bank took
    /// it over meanwhile (then that one stays the owner).
    /// </summary>
    internal void ClearBankOwner(IBankLaneOwner owner) => Interlocked.CompareExchange(ref _bankOwner, null, owner);

    /// <summary>
    /// Reads the block's parameters and advances the glides: the per-frame coefficients while gliding, else empty
    /// (then <see cref="Coefficients"/> holds for the block). Audio thread only.
    /// </summary>
    internal ReadOnlySpan<SvfCoefficients> BeginBlock(ReadOnlySpan<float> parameters, int frames)
    {
        _cutoffHz.Target = parameters[0];
        _q.Target = parameters[1];
        if (!_cutoffHz.IsSmoothing && !_q.IsSmoothing)
        {
            return default;
        }

        for (int i = 0; i < frames; i++)
        {
            ParameterRamp.Next(ref _cutoffHz);
            ParameterRamp.Next(ref _q);
            _ramp[i] = Design();
        }

        _coefficients = _ramp[frames - 1];
        return _ramp.AsSpan(0, frames);
    }

    /// <summary>Moves the stream position on after a voice bank rendered the block for this node. Audio thread only.</summary>
    internal void AdvanceBank(int frames) => _position += frames;

    public override void Reset()
    {
        // The bank takes the cleared state over again the next time it plays.
        ReclaimFromBank();
        Array.Clear(_states);
        _cutoffHz.Snap();
        _q.Snap();
        _coefficients = Design();
    }

    private void ReclaimFromBank()
    {
        if (_bankOwner is { } owner)
        {
            owner.Release(_bankLane);
        }
    }

    private SvfCoefficients Design() => SvfCoefficients.LowPass(_cutoffHz.Current, _q.Current, _sampleRate);
}
