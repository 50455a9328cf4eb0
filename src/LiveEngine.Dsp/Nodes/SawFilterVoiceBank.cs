using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// between blocks: a 128-row residual ring per lane, lane-major (a wrap adds its taps to its lane's contiguous rows;
/// each tile's rows are transposed out frame-major for the kernel and cleared), and the naive saw is computed from
/// the phase HalfTaps frames behind, in register, so nothing per lane moves in or out of the nodes each block. The filters'
/// state (two floats per lane, <c>_ic1</c>/<c>_ic2</c>) lives in the bank the same way. The bank takes a saw's and a filter's state from its node when it
/// first plays it and hands it back only when someone else needs it (<see cref="IBankLaneOwner"/>: the node playing
/// alone, another bank after a commit re-formed the banks, a new instance adopting it), so a voice that moves lane,
/// bank or out of banks carries on exactly where it was. A saw that glides or has not started renders through its node
/// for that block (its output and state pass through the bank's history rows and ring). Naive values that the phase
/// cannot give (the history of a lane just adopted or node-rendered, or from before its increment changed) wait in
/// history rows, and the phase's naive saw is masked off until they are used. A filter handed back gets the frames the
/// bank played for it since it took the state (its stream position), so the node carries on exactly too.
/// </remarks>
public sealed unsafe class SawFilterVoiceBank : BankProcessor, IBankLaneOwner
{
    /// <summary>The bank kind's name, shown by <c>:graph</c> and <c>bench</c>.</summary>
    public const string KindName = "saw>rlpf>gain>pan";

    // Per lane: saw freqHz and level, rlpf cutoffHz and q, gain level, pan.
    private const int WatchedParameters = 6;
    private const int History = BlepTable.HalfTaps;
    private const int Taps = BlepTable.Taps;
    private const int RingRows = VoiceBankSawKernels.RingRows;
    private const int CacheLineFloats = 16;

    // Columns of one value per lane that the kernel reads every frame: a1, a2, a3, gain level, left and right pan gains.
    private const int FixedColumns = 6;

    // Frames per tile: the most whose wraps can be added to the ring ahead (VoiceBankSawKernels.InsertWraps).
    private const int TileFrames = VoiceBankSawKernels.MaxTileFrames;

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
    // _residual holds the ring from _residualStart on, 64-byte aligned (pinned, so it stays so: a lane's 16-row runs are
    // whole cache lines), RingRows rows per lane, lane-major; _ringRow is the next block's first frame; _history holds naive
    // values given ahead, from the next block's first frame (rows [0, _historyLive) may be non-zero, all others are
    // zero); a lane's naive saw comes from its phase from frame _naiveFrom[lane] on, lagging by _lagIncrements[lane].
    private readonly uint[] _phases;
    private readonly float[] _residual;
    private readonly int _residualStart;
    private int _ringRow;
    private readonly float[] _history;
    private int _historyLive;
    private readonly int[] _naiveFrom;
    private readonly uint[] _lagIncrements;

    // Audio thread only: the frames this bank has played, and per lane the count when its filter's state was last
    // taken or written back (the node's stream position lags by the difference while the bank holds it).
    private long _framesPlayed;
    private readonly long[] _filterSince;

    // Scratch, audio thread only. _sawRows is pinned: a saw that renders through its node writes through a ProcessContext over it.
    private readonly float[] _sawRows;
    private readonly float* _sawBase;
    private readonly int[] _sawOffsets;
    private readonly bool[] _slow;
    private readonly uint[] _increments;
    private readonly uint[] _lagOffsets;
    private readonly float[] _oscillatorLevels;
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
    private readonly bool[] _filterGliding;
    private readonly bool[] _gainGliding;
    private readonly bool[] _panGliding;

    // Audio thread only: the watched parameters' values at the lane's last refresh, and whether its nodes would give the
    // same values again (nothing glides, the saw runs in the kernel).
    private readonly int[] _watchedIndices;
    private readonly float[] _watchedValues;
    private readonly bool[] _settled;
    private int _unsettledLanes;

    // Audio thread only: the bits of the parameter values [_watchStart, _watchStart + _watchSeen.Length), a range that
    // holds every lane's watched values, as the last block that checked the lanes saw them (empty: the range is too
    // sparse to be worth copying). A block in which every lane is settled and the range's bits are those seen skips
    // the per-lane check: it would find nothing. The range is read whoever wrote the values (a parameter event, a
    // controller lane, a commit's hand-over, a test through the snapshot), so no writer has to tell the bank.
    private readonly int _watchStart;
    private readonly int[] _watchSeen;

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
        _residual = GC.AllocateArray<float>((RingRows * width) + CacheLineFloats, pinned: true);
        _residualStart = AlignedStart(_residual);
        _history = new float[(_maxFrames + History) * width];
        _naiveFrom = new int[width];
        _lagIncrements = new uint[width];
        _filterSince = new long[_lanes];
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
        _filterGliding = new bool[_lanes];
        _gainGliding = new bool[_lanes];
        _panGliding = new bool[_lanes];
        _settled = new bool[_lanes];
        _watchedValues = new float[_lanes * WatchedParameters];
        _watchedIndices = new int[_lanes * WatchedParameters];
        for (int lane = 0; lane < _lanes; lane++)
        {
            int[] starts = _parameterStarts[lane];
            ReadOnlySpan<int> watched = [starts[0], starts[0] + 1, starts[1], starts[1] + 1, starts[2], starts[3]];
            watched.CopyTo(_watchedIndices.AsSpan(lane * WatchedParameters));
        }
        _fixedPan = new float[_lanes];
        Array.Fill(_fixedPan, float.NaN);
        _unsettledLanes = _lanes;

        // A bank formed for one snapshot reads the snapshot's own array, where its lanes' values are usually one run
        // of the voices' nodes; a copy of a range much wider than the values watched would cost more than it saves.
        int lowest = int.MaxValue;
        int highest = -1;
        foreach (int index in _watchedIndices)
        {
            lowest = Math.Min(lowest, index);
            highest = Math.Max(highest, index);
        }

        int span = highest - lowest + 1;
        _watchStart = lowest;
        _watchSeen = span <= 2 * _watchedIndices.Length ? new int[span] : [];
    }

    /// <summary>Lanes that carry voices (the rest of <see cref="VoiceBankKernels.GroupLanes"/>-lane groups is padding).</summary>
    public int LaneCount => _lanes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    public override void Process(in ProcessContext context)
    {
        int frames = context.Frames;
        long sampleTime = context.SampleTime;
        int width = _width;
        if (Volatile.Read(ref _acquirePending))
        {
            AcquireLanes();
        }

        RefreshLanes(frames, out bool anySlow, out bool anyFilterGliding, out bool anyGainGliding, out bool anyPanGliding);
        if (anySlow)
        {
            RenderSlowSaws(frames, sampleTime);
        }

        int coefficientStride = anyFilterGliding ? FillFixedColumns(frames, _filterGliding, (_a1Ramp, _a1Fixed), (_a2Ramp, _a2Fixed), (_a3Ramp, _a3Fixed)) : 0;
        int levelStride = anyGainGliding ? FillFixedColumns(frames, _gainGliding, (_levelRamp, _levelFixed)) : 0;
        int panStride = anyPanGliding ? FillFixedColumns(frames, _panGliding, (_leftRamp, _leftFixed), (_rightRamp, _rightFixed)) : 0;
        Span<float> outLeft = context.Output(0);
        Span<float> outRight = context.Output(1);
        int vectorBits = VoiceBankKernels.BestVectorBits;
        bool useHistory = _historyLive > 0;

        // Scratch on the worker's stack, 64-byte aligned, which every bank the worker runs reuses, so it stays in the
        // first-level cache from bank to bank: the tile's saws, frame-major (written before they are read), and the
        // columns the kernel reads every frame, where they hold for the block (one cache line per 16 lanes, not two).
        // Through a pointer: the kernel hands the tile from the saws to the block (block.Input), both of which live only
        // in this call.
        float* stack = stackalloc float[((TileFrames + FixedColumns) * VoiceBankKernels.MaxWidth) + CacheLineFloats];
        float* scratch = stack + AlignedStart(new Span<float>(stack, CacheLineFloats));
        var tileBuffer = new Span<float>(scratch, TileFrames * width);
        float* columns = scratch + (TileFrames * VoiceBankKernels.MaxWidth);
        ReadOnlySpan<float> a1 = coefficientStride == 0 ? Column(_a1Fixed, columns, 0) : _a1Ramp;
        ReadOnlySpan<float> a2 = coefficientStride == 0 ? Column(_a2Fixed, columns, 1) : _a2Ramp;
        ReadOnlySpan<float> a3 = coefficientStride == 0 ? Column(_a3Fixed, columns, 2) : _a3Ramp;
        ReadOnlySpan<float> level = levelStride == 0 ? Column(_levelFixed, columns, 3) : _levelRamp;
        ReadOnlySpan<float> left = panStride == 0 ? Column(_leftFixed, columns, 4) : _leftRamp;
        ReadOnlySpan<float> right = panStride == 0 ? Column(_rightFixed, columns, 5) : _rightRamp;
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
                Residual = _residual.AsSpan(_residualStart, RingRows * width),
                RingRow = (_ringRow + start) & (RingRows - 1),
                UseHistory = useHistory && start < _historyLive,
                History = _history,
                Output = tileBuffer,
            };
            var block = new VoiceBankBlock
            {
                Width = width,
                Frames = tile,
                SampleTime = sampleTime + start,
                Ic1 = _ic1,
                Ic2 = _ic2,
                A1 = a1[(start * coefficientStride)..],
                A2 = a2[(start * coefficientStride)..],
                A3 = a3[(start * coefficientStride)..],
                CoefficientStride = coefficientStride,
                Level = level[(start * levelStride)..],
                LevelStride = levelStride,
                Left = left[(start * panStride)..],
                Right = right[(start * panStride)..],
                PanStride = panStride,
                OutLeft = outLeft.Slice(start, tile),
                OutRight = outRight.Slice(start, tile),
            };
            VoiceBankKernels.ProcessSawRing(ref saws, ref block, vectorBits);
        }

        _framesPlayed += frames;
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

        RlpfNode filter = _filters[lane];
        if (filter.BankOwner == this)
        {
            WriteBackFilter(lane);
            filter.ClearBankOwner(this);
        }

        Volatile.Write(ref _acquirePending, true);
    }

    public void CopyToNodes(int lane)
    {
        if (_saws[lane].BankOwner == this)
        {
            WriteBackSaw(lane);
        }

        if (_filters[lane].BankOwner == this)
        {
            WriteBackFilter(lane);
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
                Unsettle(lane);
            }

            RlpfNode filter = _filters[lane];
            if (filter.BankOwner != this)
            {
                filter.BankOwner?.Release(filter.BankLane);

                // The node keeps the state in double, which holds the bank's float exactly.
                SvfState state = filter.AdoptBankState(this, lane);
                _ic1[lane] = (float)state.Ic1;
                _ic2[lane] = (float)state.Ic2;
                _filterSince[lane] = _framesPlayed;
                Unsettle(lane);
            }
        }
    }

    /// <summary>Writes the lane's filter state (as it stands between blocks) and the frames played since into its node.</summary>
    private void WriteBackFilter(int lane)
    {
        var state = new SvfState { Ic1 = _ic1[lane], Ic2 = _ic2[lane] };
        _filters[lane].WriteBankState(in state, _framesPlayed - _filterSince[lane]);
        _filterSince[lane] = _framesPlayed;
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
            _residual[_residualStart + (lane * RingRows) + ((_ringRow + t) & (RingRows - 1))] = residual[t];
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
            residual[t] = _residual[_residualStart + (lane * RingRows) + ((_ringRow + t) & (RingRows - 1))];
        }

        saw.SetBankState(phase);
    }

    /// <summary>
    /// Has the nodes of every lane whose cached values may be stale (not settled: something glided or the saw rendered
    /// through its node last block; or one of its six watched parameters changed, so a parameter event still lands on its
    /// block's first frame) read the block's parameters and advance their glides, as each node's own <c>Process</c>
    /// would; a settled lane's nodes would give the same values again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RefreshLanes(int frames, out bool anySlow, out bool anyFilterGliding, out bool anyGainGliding, out bool anyPanGliding)
    {
        anySlow = false;
        anyFilterGliding = false;
        anyGainGliding = false;
        anyPanGliding = false;
        if (_watchSeen.Length != 0)
        {
            ReadOnlySpan<int> watched = MemoryMarshal.Cast<float, int>(_parameterValues.AsSpan(_watchStart, _watchSeen.Length));
            if (watched.SequenceEqual(_watchSeen))
            {
                if (_unsettledLanes == 0)
                {
                    return;
                }
            }
            else
            {
                watched.CopyTo(_watchSeen);
            }
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            bool stale = !_settled[lane];
            int first = lane * WatchedParameters;
            for (int k = first; k < first + WatchedParameters; k++)
            {
                float value = _parameterValues[_watchedIndices[k]];
                if (BitConverter.SingleToInt32Bits(value) != BitConverter.SingleToInt32Bits(_watchedValues[k]))
                {
                    _watchedValues[k] = value;
                    stale = true;
                }
            }

            if (!stale)
            {
                continue;
            }

            RefreshLane(lane, frames);
            anySlow |= _slow[lane];
            anyFilterGliding |= _filterGliding[lane];
            anyGainGliding |= _gainGliding[lane];
            anyPanGliding |= _panGliding[lane];
        }
    }

    private void RefreshLane(int lane, int frames)
    {
        int width = _width;
        RefreshSaw(lane);

        RlpfNode filter = _filters[lane];
        ReadOnlySpan<SvfCoefficients> ramp = filter.BeginBlock(Parameters(lane, 1), frames);
        SvfCoefficients fixedCoefficients = filter.Coefficients;
        _a1Fixed[lane] = (float)fixedCoefficients.A1;
        _a2Fixed[lane] = (float)fixedCoefficients.A2;
        _a3Fixed[lane] = (float)fixedCoefficients.A3;
        _filterGliding[lane] = !ramp.IsEmpty;
        for (int f = 0; f < ramp.Length; f++)
        {
            _a1Ramp[(f * width) + lane] = (float)ramp[f].A1;
            _a2Ramp[(f * width) + lane] = (float)ramp[f].A2;
            _a3Ramp[(f * width) + lane] = (float)ramp[f].A3;
        }

        float gain = _gains[lane].BeginBankBlock(Parameters(lane, 2), _levelRow.AsSpan(0, frames));
        _gainGliding[lane] = float.IsNaN(gain);
        if (_gainGliding[lane])
        {
            for (int f = 0; f < frames; f++)
            {
                _levelRamp[(f * width) + lane] = _levelRow[f];
            }
        }
        else
        {
            _levelFixed[lane] = gain;
        }

        PanNode pan = _pans[lane];
        _panGliding[lane] = pan.BeginBankBlock(Parameters(lane, 3), out float position);
        if (_panGliding[lane])
        {
            for (int f = 0; f < frames; f++)
            {
                float glided = pan.NextBankFrame();
                _leftRamp[(f * width) + lane] = PanNode.LeftGain(glided);
                _rightRamp[(f * width) + lane] = PanNode.RightGain(glided);
            }
        }
        else if (BitConverter.SingleToInt32Bits(position) != BitConverter.SingleToInt32Bits(_fixedPan[lane]))
        {
            _leftFixed[lane] = PanNode.LeftGain(position);
            _rightFixed[lane] = PanNode.RightGain(position);
            _fixedPan[lane] = position;
        }

        bool settled = !_slow[lane] && !_filterGliding[lane] && !_gainGliding[lane] && !_panGliding[lane];
        if (settled != _settled[lane])
        {
            _settled[lane] = settled;
            _unsettledLanes += settled ? -1 : 1;
        }
    }

    private void Unsettle(int lane)
    {
        if (_settled[lane])
        {
            _settled[lane] = false;
            _unsettledLanes++;
        }
    }

    /// <summary>
    /// Reads the saw's parameters for the block: a saw whose frequency and level hold runs in the ring kernel (if its
    /// increment changed, the naive frames its phase can no longer give go to the history first); the others render
    /// through their nodes.
    /// </summary>
    private void RefreshSaw(int lane)
    {
        SawNode saw = _saws[lane];
        bool fast = saw.TryBeginOwnedBankBlock(Parameters(lane, 0), out _, out uint increment, out float level) && !saw.StartPending;
        _slow[lane] = !fast;
        if (!fast)
        {
            _increments[lane] = 0;
            _lagOffsets[lane] = 0;
            _oscillatorLevels[lane] = 1f;
            return;
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
            _residual.AsSpan(_residualStart + (lane * RingRows), RingRows).Clear();

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EndSaws(int frames, bool anySlow)
    {
        int width = _width;
        _ringRow = (_ringRow + frames) & (RingRows - 1);
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
                        _residual[_residualStart + (lane * RingRows) + ((_ringRow + t) & (RingRows - 1))] = residual[t];
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

    /// <summary>The index of the first element of <paramref name="values"/> at a 64-byte boundary (the span does not move: pinned or on the stack).</summary>
    private static int AlignedStart(Span<float> values)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(values));
        return (int)(((CacheLineFloats * sizeof(float)) - (address % (CacheLineFloats * sizeof(float)))) % (CacheLineFloats * sizeof(float)) / sizeof(float));
    }

    /// <summary>Copies a fixed column (one value per lane) to the scratch's column <paramref name="index"/>.</summary>
    private ReadOnlySpan<float> Column(float[] values, float* columns, int index)
    {
        var column = new Span<float>(columns + (index * VoiceBankKernels.MaxWidth), _width);
        values.AsSpan(0, _width).CopyTo(column);
        return column;
    }

    private ReadOnlySpan<float> Parameters(int lane, int stage)
    {
        int start = _parameterStarts[lane][stage];
        return new ReadOnlySpan<float>(_parameterValues, start, stage switch { 0 => 2, 1 => 2, _ => 1 });
    }

    /// <summary>For a block in which some lane glides: the ramp columns of the lanes that do not hold their fixed values. Returns the stride, the width.</summary>
    private int FillFixedColumns(int frames, bool[] gliding, params ReadOnlySpan<(float[] Ramp, float[] Fixed)> columns)
    {
        int width = _width;
        foreach ((float[] ramp, float[] fixedValues) in columns)
        {
            for (int lane = 0; lane < _lanes; lane++)
            {
                if (!gliding[lane])
                {
                    float value = fixedValues[lane];
                    for (int f = 0; f < frames; f++)
                    {
                        ramp[(f * width) + lane] = value;
                    }
                }
            }
        }

        return width;
    }
}
