using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// An oscillator whose naive waveform has steps or corners, made alias-free by adding table BLEP/BLAMP
/// residuals (<see cref="BlepTable"/>) around each discontinuity at its exact fractional position.
/// </summary>
/// <remarks>
/// The residual reaches <see cref="BlepTable.HalfTaps"/> frames before the discontinuity, so the output is the
/// band-limited waveform delayed by <see cref="LatencyFrames"/> frames: the naive samples wait in a short
/// history while residuals accumulate in a lookahead buffer. A fresh oscillator starts from silence with a
/// band-limited step to its first value, so it does not click either.
/// </remarks>
public abstract class BandLimitedOscillatorNode : OscillatorNode
{
    /// <summary>Constant latency of every band-limited oscillator, in frames (0.67 ms at 48 kHz).</summary>
    public const int LatencyFrames = BlepTable.HalfTaps;

    // _naive[0 .. HalfTaps) is the previous blocks' last naive frames, then this block's; output frame k is
    // _naive[k] plus _residual[k]. _residual also holds the corrections already due to the next Taps frames.
    private float[] _naive = [];
    private float[] _residual = [];
    private bool _startPending;

    // How many leading frames of _residual may be non-zero when a block starts (the rest is zero): Taps after the
    // node's own Process, exact after a voice bank's block, which skips the zeros.
    private int _residualLive;

    // The voice bank holding this node's state instead of the node (null: the node holds it). Written by the bank
    // that owns it and by whoever takes it over, never at the same time (a node plays in one job per snapshot).
    private IBankLaneOwner? _bankOwner;
    private int _bankLane;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        if (previous is BandLimitedOscillatorNode { _bankOwner: { } owner } banked)
        {
            owner.CopyToNodes(banked._bankLane);
        }

        base.Prepare(context, previous);
        _naive = new float[BlepTable.HalfTaps + context.MaxBlockFrames];
        _residual = new float[context.MaxBlockFrames + BlepTable.Taps];
        _startPending = true;
        _residualLive = 0;
        if (previous is BandLimitedOscillatorNode old && old.GetType() == GetType())
        {
            old._naive.AsSpan(0, BlepTable.HalfTaps).CopyTo(_naive);
            old._residual.AsSpan(0, BlepTable.Taps).CopyTo(_residual);
            _startPending = old._startPending;
            _residualLive = old._residualLive;
        }
    }

    public override void Reset()
    {
        if (_bankOwner is { } owner)
        {
            // The bank takes the cleared state over again the next time it plays.
            owner.Release(_bankLane);
        }

        base.Reset();
        Array.Clear(_naive);
        Array.Clear(_residual);
        _startPending = true;
        _residualLive = 0;
    }

    public override void Process(in ProcessContext context)
    {
        if (_bankOwner is { } owner)
        {
            owner.Release(_bankLane);
        }

        int frames = context.Frames;
        Span<float> residual = _residual.AsSpan(0, frames + BlepTable.Taps);
        BeginBlock(context, residual);
        AdvancePhases(context, out ReadOnlySpan<uint> phases, out ReadOnlySpan<uint> increments);
        Span<float> naive = _naive.AsSpan(BlepTable.HalfTaps, frames);
        Shape(phases, naive);
        if (_startPending)
        {
            BlepTable.AddStep(residual, 0, 0.0, naive[0]);
            _startPending = false;
        }

        AddCorrections(phases, increments, residual);
        Span<float> output = context.Output(0);
        VectorKernels.Binary<AddOperator>(_naive.AsSpan(0, frames), residual[..frames], output);
        ApplyLevel(output);

        _naive.AsSpan(frames, BlepTable.HalfTaps).CopyTo(_naive);
        residual.Slice(frames, BlepTable.Taps).CopyTo(residual);
        residual[BlepTable.Taps..].Clear();
        _residualLive = BlepTable.Taps;
    }

    /// <summary>The bank that holds this node's state, if any. Audio thread only.</summary>
    internal IBankLaneOwner? BankOwner => _bankOwner;

    /// <summary>The lane of <see cref="BankOwner"/> this node plays in. Audio thread only.</summary>
    internal int BankLane => _bankLane;

    /// <summary>For a voice bank that takes the node's state over: from now on it holds it. Audio thread only.</summary>
    internal void SetBankOwner(IBankLaneOwner? owner, int lane)
    {
        _bankLane = lane;
        _bankOwner = owner;
    }

    /// <summary>
    /// For the bank that owned the node and wrote its state back: the node holds it again, unless another bank took
    /// it over meanwhile (then that one stays the owner).
    /// </summary>
    internal void ClearBankOwner(IBankLaneOwner owner) => Interlocked.CompareExchange(ref _bankOwner, null, owner);

    /// <summary>For a voice bank that writes the node's state back: the oscillator's phase (of its last frame; the history and residual go straight into <see cref="NaiveHistory"/> and <see cref="ResidualState"/>). Audio thread only.</summary>
    internal void SetBankState(uint phase)
    {
        EndBankBlock(phase);
        _residualLive = BlepTable.Taps;
    }

    /// <summary>For a voice bank: the whole residual buffer (its first <see cref="BlepTable.Taps"/> frames are the state). Audio thread only.</summary>
    internal Span<float> ResidualState => _residual.AsSpan(0, BlepTable.Taps);

    /// <summary>For a voice bank: true until the first block has added its start step (then the node renders itself). Audio thread only.</summary>
    internal bool StartPending => _startPending;

    /// <summary>For a voice bank: the last <see cref="BlepTable.HalfTaps"/> naive frames before the block. Audio thread only.</summary>
    internal Span<float> NaiveHistory => _naive.AsSpan(0, BlepTable.HalfTaps);

    /// <summary>For a voice bank: the residual of a block of <paramref name="frames"/>, corrections already due included. Audio thread only.</summary>
    internal Span<float> Residual(int frames) => _residual.AsSpan(0, frames + BlepTable.Taps);

    /// <summary>
    /// For a voice bank: how many leading frames of <see cref="Residual"/> may be non-zero at the start of the block
    /// (at most <see cref="BlepTable.Taps"/>; every later frame is zero). Audio thread only.
    /// </summary>
    internal int ResidualLive => _residualLive;

    /// <summary>
    /// For a voice bank, after it rendered a block of <paramref name="frames"/> for this node: keeps the last naive
    /// frames (<paramref name="naiveTail"/>) and moves the residual on, as <see cref="Process"/> does; only its
    /// first <paramref name="residualEnd"/> frames may be non-zero, so only they move. Audio thread only.
    /// </summary>
    internal void EndBankBlock(int frames, uint phase, ReadOnlySpan<float> naiveTail, int residualEnd)
    {
        naiveTail.CopyTo(_naive);
        EndBankBlock(frames, phase, residualEnd);
    }

    /// <summary>
    /// <see cref="EndBankBlock(int, uint, ReadOnlySpan{float}, int)"/> for a bank that wrote the naive tail into
    /// <see cref="NaiveHistory"/> itself. Audio thread only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void EndBankBlock(int frames, uint phase, int residualEnd)
    {
        EndBankBlock(phase);
        Span<float> residual = _residual.AsSpan(0, residualEnd);
        int carried = Math.Max(0, residualEnd - frames);
        if (carried > 0)
        {
            residual[frames..].CopyTo(residual);
        }

        residual[carried..].Clear();
        _residualLive = carried;
    }

    /// <summary>
    /// A bank that reads this node's state each block (<see cref="OscillatorNode.TryBeginBankBlock"/>) takes it back
    /// from a saw bank that holds it first.
    /// </summary>
    protected override void ReclaimFromBank()
    {
        if (_bankOwner is { } owner)
        {
            owner.Release(_bankLane);
        }
    }

    /// <summary>Reads shape parameters before the block's phases advance; may add a step at frame 0. Audio thread only.</summary>
    protected virtual void BeginBlock(in ProcessContext context, Span<float> residual)
    {
    }

    /// <summary>Writes the naive waveform for <paramref name="phases"/>. Audio thread only.</summary>
    protected abstract void Shape(ReadOnlySpan<uint> phases, Span<float> naive);

    /// <summary>
    /// Adds a residual for every discontinuity between consecutive phases: one that happened before frame i
    /// goes to residual[i ..] through <see cref="BlepTable.AddStep"/> or <see cref="BlepTable.AddRamp"/>.
    /// Audio thread only.
    /// </summary>
    protected abstract void AddCorrections(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual);

    /// <summary>
    /// Adds a step of <paramref name="height"/> at each frame whose phase passed <paramref name="threshold"/>
    /// since the previous frame: phase - threshold (wrapping) is then below the frame's increment, and the
    /// ratio of the two is how long ago, in frames, the crossing happened.
    /// </summary>
    protected static void AddSteps(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual, uint threshold, float height)
    {
        for (int i = 0; i < phases.Length; i++)
        {
            uint since = phases[i] - threshold;
            if (since < increments[i])
            {
                BlepTable.AddStep(residual, i, (double)since / increments[i], height);
            }
        }
    }

    /// <summary>
    /// <see cref="AddSteps(ReadOnlySpan{uint}, ReadOnlySpan{uint}, Span{float}, uint, float)"/> for two
    /// thresholds in one pass. Residuals reach later frames, so they must be added in time order (frame by
    /// frame, A before B within a frame): two separate passes would sum them in an order that depends on
    /// the block split, and float sums are not associative.
    /// </summary>
    protected static void AddSteps(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual, uint thresholdA, float heightA, uint thresholdB, float heightB)
    {
        for (int i = 0; i < phases.Length; i++)
        {
            uint increment = increments[i];
            uint sinceA = phases[i] - thresholdA;
            if (sinceA < increment)
            {
                BlepTable.AddStep(residual, i, (double)sinceA / increment, heightA);
            }

            uint sinceB = phases[i] - thresholdB;
            if (sinceB < increment)
            {
                BlepTable.AddStep(residual, i, (double)sinceB / increment, heightB);
            }
        }
    }

    /// <summary>
    /// Like the two-threshold <c>AddSteps</c> for corners: a change of slope of <paramref name="slopeChangeA"/>
    /// (or B) per full period of phase, added as a band-limited ramp residual.
    /// </summary>
    protected static void AddCorners(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual, uint thresholdA, float slopeChangeA, uint thresholdB, float slopeChangeB)
    {
        for (int i = 0; i < phases.Length; i++)
        {
            uint increment = increments[i];

            // The slope per frame is the slope per period times the fraction of a period one frame advances.
            double periodsPerFrame = increment / 4294967296.0;
            uint sinceA = phases[i] - thresholdA;
            if (sinceA < increment)
            {
                BlepTable.AddRamp(residual, i, (double)sinceA / increment, (float)(slopeChangeA * periodsPerFrame));
            }

            uint sinceB = phases[i] - thresholdB;
            if (sinceB < increment)
            {
                BlepTable.AddRamp(residual, i, (double)sinceB / increment, (float)(slopeChangeB * periodsPerFrame));
            }
        }
    }
}
