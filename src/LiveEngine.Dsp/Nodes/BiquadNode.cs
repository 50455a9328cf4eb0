using System.Runtime.CompilerServices;
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
    private long _coefficientsVersion;
    private BiquadCoefficients[] _ramp = [];
    private BiquadState[] _states = [];

    // The voice bank holding channel 0's state (and the frames it played) instead of the node (null: the node holds
    // it). Written by the bank that owns it and by whoever takes it over, never at the same time.
    private IBankLaneOwner? _bankOwner;
    private int _bankLane;

    public BiquadNode(BiquadType type)
    {
        _type = type;
    }

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        if (previous is BiquadNode { _bankOwner: { } owner } banked)
        {
            owner.CopyToNodes(banked._bankLane);
        }

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

        SetCoefficients(Design());
    }

    public override void Process(in ProcessContext context)
    {
        ReclaimFromBank();
        ReadOnlySpan<BiquadCoefficients> ramp = BeginBlock(context.Parameters, context.Frames);
        RecursiveFilterRunner.Run<BiquadFilterKernel, BiquadCoefficients, BiquadState>(context, _states, _coefficients, ramp, ref _position);
    }

    /// <summary>The coefficients while not gliding (after <see cref="BeginBlock"/>). Audio thread only.</summary>
    internal BiquadCoefficients Coefficients => _coefficients;

    /// <summary>
    /// Changes each time <see cref="Coefficients"/> is set (a glide's block, a reset, a prepare), so that a voice bank
    /// that keeps them converted to float converts them again only then. Audio thread only.
    /// </summary>
    internal long CoefficientsVersion => _coefficientsVersion;

    /// <summary>The bank that holds this node's state, if any. Audio thread only.</summary>
    internal IBankLaneOwner? BankOwner => _bankOwner;

    /// <summary>The lane of <see cref="BankOwner"/> this node plays in. Audio thread only.</summary>
    internal int BankLane => _bankLane;

    /// <summary>For a voice bank that takes the node's state over: channel 0's state, from now on the bank's. Audio thread only.</summary>
    internal BiquadState AdoptBankState(IBankLaneOwner owner, int lane)
    {
        _bankLane = lane;
        _bankOwner = owner;
        return _states[0];
    }

    /// <summary>
    /// For the bank that holds the node's state: writes it back, with the frames the bank played since it took it or
    /// last wrote it. Audio thread only.
    /// </summary>
    internal void WriteBankState(in BiquadState state, long frames)
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ReadOnlySpan<BiquadCoefficients> BeginBlock(ReadOnlySpan<float> parameters, int frames)
    {
        _cutoffHz.Target = parameters[0];
        _q.Target = parameters[1];
        _gainDb.Target = parameters[2];
        if (!_cutoffHz.IsSmoothing && !_q.IsSmoothing && !_gainDb.IsSmoothing)
        {
            return default;
        }

        for (int i = 0; i < frames; i++)
        {
            ParameterRamp.Next(ref _cutoffHz);
            ParameterRamp.Next(ref _q);
            ParameterRamp.Next(ref _gainDb);
            _ramp[i] = Design();
        }

        SetCoefficients(_ramp[frames - 1]);
        return _ramp.AsSpan(0, frames);
    }

    public override void Reset()
    {
        // The bank takes the cleared state over again the next time it plays.
        ReclaimFromBank();
        Array.Clear(_states);
        _cutoffHz.Snap();
        _q.Snap();
        _gainDb.Snap();
        SetCoefficients(Design());
    }

    /// <summary>Before the node reads or changes its own state: a bank that holds it writes it back first.</summary>
    private void ReclaimFromBank()
    {
        if (_bankOwner is { } owner)
        {
            owner.Release(_bankLane);
        }
    }

    private void SetCoefficients(in BiquadCoefficients coefficients)
    {
        _coefficients = coefficients;
        _coefficientsVersion++;
    }

    private BiquadCoefficients Design() => BiquadCoefficients.Design(_type, _cutoffHz.Current, _q.Current, _gainDb.Current, _sampleRate);
}
