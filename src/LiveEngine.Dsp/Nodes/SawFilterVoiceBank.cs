using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The voice bank of the standard voice, saw → rlpf → gain → pan, summed over its lanes. The saws run across lanes
/// from state the bank holds (<see cref="VoiceBankSawKernels.RenderRing(ref VoiceBankSawRing, int)"/>), tile by tile
/// into the filter, gain, pan and lane sum of <see cref="VoiceBankKernels"/>.
/// </summary>
/// <remarks>
/// Design: the saws' state (phase, the BLEP residual of the wraps still due, the naive history) lives in the bank,
/// frame-major, between blocks: a 64-row residual ring per bank (a wrap adds its taps down its lane's column; every
/// row is read once and cleared), and the naive saw is computed from the phase HalfTaps frames behind, in register,
/// so nothing per lane moves in or out of the nodes each block. The bank takes a saw's state from its node when it
/// first plays it and hands it back only when someone else needs it (<see cref="IBankLaneOwner"/>: the node playing
/// alone, another bank after a commit re-formed the banks, a new instance adopting it), so a voice that moves lane,
/// bank or out of banks carries on exactly where it was. A saw that glides or has not started renders through its node
/// for that block (its output and state pass through the bank's history rows and ring). Naive values that the phase
/// cannot give (the history of a lane just adopted or node-rendered, or from before its increment changed) wait in
/// history rows, and the phase's naive saw is masked off until they are used. The filter state moves in and out of
/// the nodes each block (two floats per lane).
/// </remarks>
public sealed unsafe class SawFilterVoiceBank : BankProcessor, IBankLaneOwner
{
    /// <summary>The bank kind's name, shown by <c>:graph</c> and <c>bench</c>.</summary>
    public const string KindName = "saw>rlpf>gain>pan";

    private const int History = BlepTable.HalfTaps;
    private const int Taps = BlepTable.Taps;

    // Frames per tile: the tile's saw output (8 KiB at 64 lanes) stays in the first-level cache for the filter.
    private const int TileFrames = 32;

    private readonly int _lanes;
    private readonly int _width;
    private readonly int _maxFrames;
    private readonly SawNode[] _saws;
    private readonly RlpfNode[] _filters;
    private readonly GainNode[] _gains;
    private readonly PanNode[] _pans;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;

    // Set by Release (from a consumer in a later snapshot, never while this bank renders): some lane's saw holds its
    // state again, and the bank takes it back before it plays.
    private bool _acquirePending = true;

    // Audio thread only: the saws' state while this bank owns them. _phases leads the output by History frames;
    // _residual is the ring (Taps rows by _width lanes; _ringRow is the next block's first frame); _history holds naive
    // values given ahead, from the next block's first frame (rows [0, _historyLive) may be non-zero, all others are
    // zero); a lane's naive saw comes from its phase from frame _naiveFrom[lane] on, lagging by _lagIncrements[lane].
    private readonly uint[] _phases;
    private readonly float[] _residual;
    private int _ringRow;
    private readonly float[] _history;
    private int _historyLive;
    private readonly int[] _naiveFrom;
    private readonly uint[] _lagIncrements;

    // Scratch, audio thread only. _sawRows is pinned: a saw that renders through its node writes through a ProcessContext over it.
    private readonly float[] _sawRows;
    private readonly float* _sawBase;
    private readonly int[] _sawOffsets;
    private readonly bool[] _slow;
    private readonly uint[] _increments;
    private readonly uint[] _lagOffsets;
    private readonly float[] _oscillatorLevels;
    private readonly float[] _input;
    private readonly float[] _ic1;
    private readonly float[] _ic2;
    private readonly float[] _a1Fixed;
    private readonly float[] _a2Fixed;
    private readonly float[] _a3Fixed;
    private readonly float[] _a1Ramp;
    private readonly float[] _a2Ramp;
    private readonly float[] _a3Ramp;
    private readonly float[] _levelFixed;
    private readonly float[] _levelRamp;
    private readonly float[] _levelRow;
    private readonly float[] _leftFixed;
    private readonly float[] _rightFixed;
    private readonly float[] _leftRamp;
    private readonly float[] _rightRamp;
    private readonly bool[] _gliding;

    // The position whose gains _leftFixed/_rightFixed hold, per lane (NaN: none yet): two sines per lane and block
    // would otherwise cost as much as the filter. Scratch, not state: a re-formed bank starts empty.
    private readonly float[] _fixedPan;

    public SawFilterVoiceBank(BankLanes lanes)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        _lanes = lanes.LaneCount;
        if (_lanes < 1 || _lanes > VoiceBankKernels.MaxWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(lanes), _lanes, $"A voice bank has 1 to {VoiceBankKernels.MaxWidth} lanes.");
        }

        _width = (_lanes + VoiceBankKernels.GroupLanes - 1) / VoiceBankKernels.GroupLanes * VoiceBankKernels.GroupLanes;
        _maxFrames = lanes.MaxBlockFrames;
        _saws = new SawNode[_lanes];
        _filters = new RlpfNode[_lanes];
        _gains = new GainNode[_lanes];
        _pans = new PanNode[_lanes];
        for (int lane = 0; lane < _lanes; lane++)
        {
            AudioNode[] stages = lanes.Nodes[lane];
            _saws[lane] = (SawNode)stages[0];
            _filters[lane] = (RlpfNode)stages[1];
            _gains[lane] = (GainNode)stages[2];
            _pans[lane] = (PanNode)stages[3];
        }

        _parameterStarts = lanes.ParameterStarts;
        _parameterValues = lanes.ParameterValues;
        int width = _width;
        _phases = new uint[width];

        // Padding lanes rest at the phase whose naive saw is +0 (and never advance).
        _phases.AsSpan(_lanes).Fill(0x80000000u);
        _residual = new float[Taps * width];
        _history = new float[(_maxFrames + History) * width];
        _naiveFrom = new int[width];
        _lagIncrements = new uint[width];
        _sawRows = GC.AllocateArray<float>(_lanes * _maxFrames, pinned: true);
        fixed (float* rows = _sawRows)
        {
            // Pinned for the array's lifetime: the pointer stays valid after the fixed block.
            _sawBase = rows;
        }

        _sawOffsets = new int[_lanes];
        for (int lane = 0; lane < _lanes; lane++)
        {
            _sawOffsets[lane] = lane * _maxFrames;
        }

        int frameLanes = _maxFrames * width;
        _slow = new bool[_lanes];
        _increments = new uint[width];
        _lagOffsets = new uint[width];
        _oscillatorLevels = new float[width];
        _input = new float[TileFrames * width];
        _ic1 = new float[width];
        _ic2 = new float[width];
        _a1Fixed = new float[width];
        _a2Fixed = new float[width];
        _a3Fixed = new float[width];
        _a1Ramp = new float[frameLanes];
        _a2Ramp = new float[frameLanes];
        _a3Ramp = new float[frameLanes];
        _levelFixed = new float[width];
        _levelRamp = new float[frameLanes];
        _levelRow = new float[_maxFrames];
        _leftFixed = new float[width];
        _rightFixed = new float[width];
        _leftRamp = new float[frameLanes];
        _rightRamp = new float[frameLanes];
        _gliding = new bool[_lanes];
        _fixedPan = new float[_lanes];
        Array.Fill(_fixedPan, float.NaN);
    }

    /// <summary>Lanes that carry voices (the rest of <see cref="VoiceBankKernels.GroupLanes"/>-lane groups is padding).</summary>
    public int LaneCount => _lanes;

    public override void Process(in ProcessContext context)
    {
        int frames = context.Frames;
        long sampleTime = context.SampleTime;
        int width = _width;
        if (Volatile.Read(ref _acquirePending))
        {
            AcquireLanes();
        }

        bool anySlow = BeginSaws();
        if (anySlow)
        {
            RenderSlowSaws(frames, sampleTime);
        }

        int coefficientStride = PrepareFilters(frames);
        int levelStride = PrepareGains(frames);
        int panStride = PreparePans(frames);
        float[] a1 = coefficientStride == 0 ? _a1Fixed : _a1Ramp;
        float[] a2 = coefficientStride == 0 ? _a2Fixed : _a2Ramp;
        float[] a3 = coefficientStride == 0 ? _a3Fixed : _a3Ramp;
        float[] level = levelStride == 0 ? _levelFixed : _levelRamp;
        float[] left = panStride == 0 ? _leftFixed : _leftRamp;
        float[] right = panStride == 0 ? _rightFixed : _rightRamp;
        Span<float> outLeft = context.Output(0);
        Span<float> outRight = context.Output(1);
        int vectorBits = VoiceBankKernels.BestVectorBits;
        bool useHistory = _historyLive > 0;
        for (int start = 0; start < frames; start += TileFrames)
        {
            int tile = Math.Min(TileFrames, frames - start);
            var saws = new VoiceBankSawRing
            {
                Width = width,
                Frames = tile,
                First = start,
                Phases = _phases,
                Increments = _increments,
                LagOffsets = _lagOffsets,
                NaiveFrom = _naiveFrom,
                Levels = _oscillatorLevels,
                Residual = _residual,
                RingRow = (_ringRow + start) & (Taps - 1),
                UseHistory = useHistory && start < _historyLive,
                History = _history,
                Output = _input,
            };
            VoiceBankSawKernels.RenderRing(ref saws, vectorBits);
            var block = new VoiceBankBlock
            {
                Width = width,
                Frames = tile,
                SampleTime = sampleTime + start,
                Input = _input.AsSpan(0, tile * width),
                Ic1 = _ic1,
                Ic2 = _ic2,
                A1 = a1.AsSpan(start * coefficientStride),
                A2 = a2.AsSpan(start * coefficientStride),
                A3 = a3.AsSpan(start * coefficientStride),
                CoefficientStride = coefficientStride,
                Level = level.AsSpan(start * levelStride),
                LevelStride = levelStride,
                Left = left.AsSpan(start * panStride),
                Right = right.AsSpan(start * panStride),
                PanStride = panStride,
                OutLeft = outLeft.Slice(start, tile),
                OutRight = outRight.Slice(start, tile),
            };
            VoiceBankKernels.Process(ref block, vectorBits);
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            ref SvfState state = ref _filters[lane].BankState;
            state.Ic1 = _ic1[lane];
            state.Ic2 = _ic2[lane];
            _filters[lane].AdvanceBank(frames);
        }

        EndSaws(frames, anySlow);
    }

    public void Release(int lane)
    {
        SawNode saw = _saws[lane];
        if (saw.BankOwner == this)
        {
            WriteBackSaw(lane);
            saw.ClearBankOwner(this);
        }

        Volatile.Write(ref _acquirePending, true);
    }

    public void CopyToNodes(int lane)
    {
        if (_saws[lane].BankOwner == this)
        {
            WriteBackSaw(lane);
        }
    }

    /// <summary>Takes over the state of every lane whose saw holds it (a fresh bank, or lanes someone took meanwhile).</summary>
    private void AcquireLanes()
    {
        // Cleared first: a Release from now on (a later snapshot) must be seen next time.
        Volatile.Write(ref _acquirePending, false);
        for (int lane = 0; lane < _lanes; lane++)
        {
            SawNode saw = _saws[lane];
            if (saw.BankOwner != this)
            {
                saw.BankOwner?.Release(saw.BankLane);
                AdoptSaw(lane);
                saw.SetBankOwner(this, lane);
            }
        }
    }

    /// <summary>Reads the saw's phase, naive history and residual (as they stand between blocks) into the lane.</summary>
    private void AdoptSaw(int lane)
    {
        int width = _width;
        SawNode saw = _saws[lane];
        _phases[lane] = saw.BankPhase;
        Span<float> history = saw.NaiveHistory;
        for (int t = 0; t < History; t++)
        {
            _history[(t * width) + lane] = history[t];
        }

        _naiveFrom[lane] = History;
        _historyLive = Math.Max(_historyLive, History);
        Span<float> residual = saw.ResidualState;
        for (int t = 0; t < Taps; t++)
        {
            _residual[(((_ringRow + t) & (Taps - 1)) * width) + lane] = residual[t];
        }
    }

    /// <summary>Writes the lane's saw state (as it stands between blocks) into its node.</summary>
    private void WriteBackSaw(int lane)
    {
        int width = _width;
        SawNode saw = _saws[lane];
        uint phase = _phases[lane];
        uint lagIncrement = _lagIncrements[lane];
        Span<float> history = saw.NaiveHistory;
        for (int t = 0; t < History; t++)
        {
            history[t] = t < _naiveFrom[lane]
                ? _history[(t * width) + lane]
                : SawShaper.Invoke(phase - ((uint)(History - 1 - t) * lagIncrement), 0);
        }

        Span<float> residual = saw.ResidualState;
        for (int t = 0; t < Taps; t++)
        {
            residual[t] = _residual[(((_ringRow + t) & (Taps - 1)) * width) + lane];
        }

        saw.SetBankState(phase);
    }

    /// <summary>
    /// Reads every saw's parameters for the block: a saw whose frequency and level hold runs in the ring kernel (if its
    /// increment changed, the naive frames its phase can no longer give go to the history first); the others render
    /// through their nodes. True when any does.
    /// </summary>
    private bool BeginSaws()
    {
        bool anySlow = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            SawNode saw = _saws[lane];
            bool fast = saw.TryBeginBankBlock(Parameters(lane, 0), out _, out uint increment, out float level) && !saw.StartPending;
            _slow[lane] = !fast;
            if (!fast)
            {
                anySlow = true;
                _increments[lane] = 0;
                _lagOffsets[lane] = 0;
                _oscillatorLevels[lane] = 1f;
                continue;
            }

            if (_naiveFrom[lane] < History && increment != _lagIncrements[lane])
            {
                // Naive frames -History .. -1 (the rows before frame 0 + History) at the increment they were rendered with.
                int width = _width;
                uint phase = _phases[lane];
                uint lagIncrement = _lagIncrements[lane];
                for (int t = _naiveFrom[lane]; t < History; t++)
                {
                    _history[(t * width) + lane] = SawShaper.Invoke(phase - ((uint)(History - 1 - t) * lagIncrement), 0);
                }

                _naiveFrom[lane] = History;
                _historyLive = Math.Max(_historyLive, History);
            }

            _lagIncrements[lane] = increment;
            _increments[lane] = increment;
            _lagOffsets[lane] = increment * History;
            _oscillatorLevels[lane] = level;
        }

        return anySlow;
    }

    /// <summary>
    /// Renders each saw that glides or starts through its node, from the state the bank holds for it; its output waits in
    /// the lane's history rows (the kernel reads +0 naive, +0 residual and level 1 for it) and its state comes back in
    /// <see cref="EndSaws"/>.
    /// </summary>
    private void RenderSlowSaws(int frames, long sampleTime)
    {
        int width = _width;
        for (int lane = 0; lane < _lanes; lane++)
        {
            if (!_slow[lane])
            {
                continue;
            }

            SawNode saw = _saws[lane];
            WriteBackSaw(lane);
            for (int t = 0; t < Taps; t++)
            {
                _residual[(t * width) + lane] = 0f;
            }

            saw.SetBankOwner(null, 0);
            var sawContext = new ProcessContext(_sawBase, default, new ReadOnlySpan<int>(_sawOffsets, lane, 1), Parameters(lane, 0), frames, sampleTime);
            saw.Process(in sawContext);
            saw.SetBankOwner(this, lane);
            ReadOnlySpan<float> row = new(_sawBase + _sawOffsets[lane], frames);
            for (int f = 0; f < frames; f++)
            {
                _history[(f * width) + lane] = row[f];
            }

            for (int t = frames; t < Math.Max(frames, _historyLive); t++)
            {
                _history[(t * width) + lane] = 0f;
            }

            _naiveFrom[lane] = int.MaxValue;
        }

        _historyLive = Math.Max(_historyLive, frames);
    }

    /// <summary>
    /// Moves the saws' state on by the block: the ring's first row, the history rows still due, and for each saw its node
    /// rendered, the state the node ends the block with.
    /// </summary>
    private void EndSaws(int frames, bool anySlow)
    {
        int width = _width;
        _ringRow = (_ringRow + frames) & (Taps - 1);
        for (int lane = 0; lane < _lanes; lane++)
        {
            _naiveFrom[lane] = Math.Max(0, _naiveFrom[lane] - frames);
        }

        if (anySlow)
        {
            for (int lane = 0; lane < _lanes; lane++)
            {
                if (_slow[lane])
                {
                    SawNode saw = _saws[lane];
                    _phases[lane] = saw.BankPhase;
                    Span<float> history = saw.NaiveHistory;
                    for (int t = 0; t < History; t++)
                    {
                        _history[((frames + t) * width) + lane] = history[t];
                    }

                    Span<float> residual = saw.ResidualState;
                    for (int t = 0; t < Taps; t++)
                    {
                        _residual[(((_ringRow + t) & (Taps - 1)) * width) + lane] = residual[t];
                    }

                    _naiveFrom[lane] = History;
                }
            }

            _historyLive = Math.Max(_historyLive, frames + History);
        }

        if (_historyLive > 0)
        {
            // Rows [0, frames) were read and cleared; the rows past the block move down.
            int carried = Math.Max(0, _historyLive - frames);
            if (carried > 0)
            {
                _history.AsSpan(frames * width, carried * width).CopyTo(_history);
                int cleared = Math.Max(frames, carried);
                _history.AsSpan(cleared * width, (_historyLive - cleared) * width).Clear();
            }

            _historyLive = carried;
        }
    }

    private ReadOnlySpan<float> Parameters(int lane, int stage)
    {
        int start = _parameterStarts[lane][stage];
        return new ReadOnlySpan<float>(_parameterValues, start, stage switch { 0 => 2, 1 => 2, _ => 1 });
    }

    /// <summary>Reads every lane's filter state and coefficients; returns the coefficient stride (0 when none glides).</summary>
    private int PrepareFilters(int frames)
    {
        int width = _width;
        bool anyGliding = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            RlpfNode filter = _filters[lane];
            ref SvfState state = ref filter.BankState;
            _ic1[lane] = (float)state.Ic1;
            _ic2[lane] = (float)state.Ic2;
            ReadOnlySpan<SvfCoefficients> ramp = filter.BeginBlock(Parameters(lane, 1), frames);
            SvfCoefficients fixedCoefficients = filter.Coefficients;
            _a1Fixed[lane] = (float)fixedCoefficients.A1;
            _a2Fixed[lane] = (float)fixedCoefficients.A2;
            _a3Fixed[lane] = (float)fixedCoefficients.A3;
            _gliding[lane] = !ramp.IsEmpty;
            if (!ramp.IsEmpty)
            {
                anyGliding = true;
                for (int f = 0; f < frames; f++)
                {
                    _a1Ramp[(f * width) + lane] = (float)ramp[f].A1;
                    _a2Ramp[(f * width) + lane] = (float)ramp[f].A2;
                    _a3Ramp[(f * width) + lane] = (float)ramp[f].A3;
                }
            }
        }

        if (!anyGliding)
        {
            return 0;
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            if (!_gliding[lane])
            {
                for (int f = 0; f < frames; f++)
                {
                    _a1Ramp[(f * width) + lane] = _a1Fixed[lane];
                    _a2Ramp[(f * width) + lane] = _a2Fixed[lane];
                    _a3Ramp[(f * width) + lane] = _a3Fixed[lane];
                }
            }
        }

        return width;
    }

    private int PrepareGains(int frames)
    {
        int width = _width;
        bool anyGliding = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            float level = _gains[lane].BeginBankBlock(Parameters(lane, 2), _levelRow.AsSpan(0, frames));
            _gliding[lane] = float.IsNaN(level);
            if (_gliding[lane])
            {
                anyGliding = true;
                for (int f = 0; f < frames; f++)
                {
                    _levelRamp[(f * width) + lane] = _levelRow[f];
                }
            }
            else
            {
                _levelFixed[lane] = level;
            }
        }

        if (!anyGliding)
        {
            return 0;
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            if (!_gliding[lane])
            {
                for (int f = 0; f < frames; f++)
                {
                    _levelRamp[(f * width) + lane] = _levelFixed[lane];
                }
            }
        }

        return width;
    }

    private int PreparePans(int frames)
    {
        int width = _width;
        bool anyGliding = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            _gliding[lane] = _pans[lane].BeginBankBlock(Parameters(lane, 3), out float pan);
            if (_gliding[lane])
            {
                anyGliding = true;
                for (int f = 0; f < frames; f++)
                {
                    float position = _pans[lane].NextBankFrame();
                    _leftRamp[(f * width) + lane] = PanNode.LeftGain(position);
                    _rightRamp[(f * width) + lane] = PanNode.RightGain(position);
                }
            }
            else if (BitConverter.SingleToInt32Bits(pan) != BitConverter.SingleToInt32Bits(_fixedPan[lane]))
            {
                _leftFixed[lane] = PanNode.LeftGain(pan);
                _rightFixed[lane] = PanNode.RightGain(pan);
                _fixedPan[lane] = pan;
            }
        }

        if (!anyGliding)
        {
            return 0;
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            if (!_gliding[lane])
            {
                for (int f = 0; f < frames; f++)
                {
                    _leftRamp[(f * width) + lane] = _leftFixed[lane];
                    _rightRamp[(f * width) + lane] = _rightFixed[lane];
                }
            }
        }

        return width;
    }
}
