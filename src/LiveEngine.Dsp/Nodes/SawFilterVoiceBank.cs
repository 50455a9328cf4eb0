using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The voice bank of the standard voice, saw → rlpf → gain → pan, summed over its lanes: the saws run as the nodes
/// they are (their phase and BLEP state stay theirs, vectorised along time), the rest runs across lanes in
/// <see cref="VoiceBankKernels"/>. All state stays in the lanes' nodes (the filter state goes in and out as float,
/// which the node's double holds exactly), so a lane that moves to another bank, or out of banks, at a commit
/// carries on where it was.
/// </summary>
public sealed unsafe class SawFilterVoiceBank : BankProcessor
{
    /// <summary>The bank kind's name, shown by <c>:graph</c> and <c>bench</c>.</summary>
    public const string KindName = "saw>rlpf>gain>pan";

    private readonly int _lanes;
    private readonly int _width;
    private readonly int _maxFrames;
    private readonly SawNode[] _saws;
    private readonly RlpfNode[] _filters;
    private readonly GainNode[] _gains;
    private readonly PanNode[] _pans;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;

    // Scratch, audio thread only. _sawRows is pinned: the saws write through a ProcessContext over it.
    private readonly float[] _sawRows;
    private readonly float* _sawBase;
    private readonly int[] _sawOffsets;
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
    private readonly bool[] _fast;
    private readonly uint[] _phases;
    private readonly uint[] _phaseStarts;
    private readonly uint[] _increments;
    private readonly float[] _oscillatorLevels;
    private readonly float[] _naive;
    private readonly int[] _residualEnds;
    private readonly int[] _residualCarried;
    private readonly int[] _firstWraps;
    private readonly float[] _naiveTail;

    // Zeros read in place of a residual or history for lanes that have none (padding, or a lane its node renders).
    private readonly float[] _zeros;

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

        int frameLanes = _maxFrames * _width;
        _ic1 = new float[_width];
        _ic2 = new float[_width];
        _a1Fixed = new float[_width];
        _a2Fixed = new float[_width];
        _a3Fixed = new float[_width];
        _a1Ramp = new float[frameLanes];
        _a2Ramp = new float[frameLanes];
        _a3Ramp = new float[frameLanes];
        _levelFixed = new float[_width];
        _levelRamp = new float[frameLanes];
        _levelRow = new float[_maxFrames];
        _leftFixed = new float[_width];
        _rightFixed = new float[_width];
        _leftRamp = new float[frameLanes];
        _rightRamp = new float[frameLanes];
        _gliding = new bool[_lanes];
        _fast = new bool[_lanes];
        _phases = new uint[_width];
        _phaseStarts = new uint[_width];
        _increments = new uint[_width];
        _oscillatorLevels = new float[_width];
        _naive = new float[(BlepTable.HalfTaps + _maxFrames) * _width];
        _residualEnds = new int[_lanes];
        _residualCarried = new int[_lanes];
        _firstWraps = new int[_lanes];
        _naiveTail = new float[BlepTable.HalfTaps];
        _zeros = new float[_maxFrames + BlepTable.Taps];
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
        RenderOscillators(frames, sampleTime);

        int coefficientStride = PrepareFilters(frames);
        int levelStride = PrepareGains(frames);
        int panStride = PreparePans(frames);
        var block = new VoiceBankBlock
        {
            Width = width,
            Frames = frames,
            SampleTime = sampleTime,
            Input = _naive.AsSpan(0, frames * width),
            Ic1 = _ic1,
            Ic2 = _ic2,
            A1 = coefficientStride == 0 ? _a1Fixed : _a1Ramp,
            A2 = coefficientStride == 0 ? _a2Fixed : _a2Ramp,
            A3 = coefficientStride == 0 ? _a3Fixed : _a3Ramp,
            CoefficientStride = coefficientStride,
            Level = levelStride == 0 ? _levelFixed : _levelRamp,
            LevelStride = levelStride,
            Left = panStride == 0 ? _leftFixed : _leftRamp,
            Right = panStride == 0 ? _rightFixed : _rightRamp,
            PanStride = panStride,
            OutLeft = context.Output(0),
            OutRight = context.Output(1),
        };
        VoiceBankKernels.Process(ref block);

        for (int lane = 0; lane < _lanes; lane++)
        {
            ref SvfState state = ref _filters[lane].BankState;
            state.Ic1 = _ic1[lane];
            state.Ic2 = _ic2[lane];
            _filters[lane].AdvanceBank(frames);
        }
    }

    /// <summary>
    /// Writes every lane's band-limited saw into rows 0 .. frames of <see cref="_naive"/> (frame-major; the filter's
    /// input), with the same bits as
    /// the saw node's own <c>Process</c>: lanes whose frequency and level hold run across lanes (phase, naive shape and
    /// wrap detection in <see cref="VoiceBankSawKernels"/>; each wrap adds its BLEP residual to the lane's own
    /// residual, in time order); a lane that glides or has not started yet renders through its node.
    /// </summary>
    private void RenderOscillators(int frames, long sampleTime)
    {
        const int History = BlepTable.HalfTaps;
        int width = _width;
        bool anySlow = false;
        bool anyLevel = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            SawNode saw = _saws[lane];
            bool fast = saw.TryBeginBankBlock(Parameters(lane, 0), out uint phase, out uint increment, out float level) && !saw.StartPending;
            _fast[lane] = fast;
            anySlow |= !fast;
            _phases[lane] = phase;
            _phaseStarts[lane] = phase;
            _increments[lane] = fast ? increment : 0;
            _oscillatorLevels[lane] = fast ? level : 1f;
            anyLevel |= fast && level != 1f;

            // Corrections already due from earlier wraps reach at most Taps frames into this block; the residual
            // is zero from there to this block's first wrap.
            int carried = fast ? saw.ResidualLive : 0;
            _residualCarried[lane] = carried;
            _residualEnds[lane] = carried;
            _firstWraps[lane] = frames;
        }

        CopyHistoriesIn();
        Span<float> naive = _naive.AsSpan(History * width, frames * width);
        VoiceBankSawKernels.AdvanceSaw(_phases, _increments, naive, frames, width, VoiceBankKernels.BestVectorBits);

        // Each wrap's residual goes to its own lane, so lane by lane, each in time order, is the node's order.
        for (int lane = 0; lane < _lanes; lane++)
        {
            uint increment = _increments[lane];
            uint phaseStart = _phaseStarts[lane];
            int f = VoiceBankSawKernels.WrapFrame(phaseStart, increment, 1);
            if (f >= frames)
            {
                continue;
            }

            _firstWraps[lane] = f;
            Span<float> residual = _saws[lane].Residual(frames);
            for (int wrap = 2; f < frames; wrap++)
            {
                uint phase = phaseStart + ((uint)(f + 1) * increment);
                BlepTable.AddStep(residual, f, (double)phase / increment, -2f);
                _residualEnds[lane] = Math.Max(_residualEnds[lane], f + BlepTable.Taps);
                f = VoiceBankSawKernels.WrapFrame(phaseStart, increment, wrap);
            }
        }

        // Output frame f is naive row f (the history, then this block's frames) plus the lane's residual.
        if (Sse.IsSupported)
        {
            AddResidualsTransposed(frames);
            CopyTailsOutTransposed(frames);
        }
        else
        {
            AddResidualsByLane(frames);
        }

        if (anyLevel)
        {
            // The oscillator's own level, after the residual as in the node (a level of 1 changes no bit: skipped).
            ReadOnlySpan<float> levels = _oscillatorLevels.AsSpan(0, width);
            for (int f = 0; f < frames; f++)
            {
                Span<float> row = _naive.AsSpan(f * width, width);
                VectorKernels.Binary<MultiplyOperator>(row, levels, row);
            }
        }

        if (!anySlow)
        {
            return;
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            if (_fast[lane])
            {
                continue;
            }

            var sawContext = new ProcessContext(_sawBase, default, new ReadOnlySpan<int>(_sawOffsets, lane, 1), Parameters(lane, 0), frames, sampleTime);
            _saws[lane].Process(in sawContext);
            ReadOnlySpan<float> row = new(_sawBase + _sawOffsets[lane], frames);
            for (int f = 0; f < frames; f++)
            {
                _naive[(f * width) + lane] = row[f];
            }
        }
    }

    /// <summary>
    /// Writes every lane's naive history (the last <see cref="BlepTable.HalfTaps"/> naive frames before the block, kept
    /// by its node) into rows 0 .. HalfTaps of <see cref="_naive"/>; padding lanes read zeros.
    /// </summary>
    private void CopyHistoriesIn()
    {
        const int History = BlepTable.HalfTaps;
        int width = _width;
        if (!Sse.IsSupported)
        {
            for (int lane = 0; lane < _lanes; lane++)
            {
                Span<float> history = _saws[lane].NaiveHistory;
                for (int t = 0; t < History; t++)
                {
                    _naive[(t * width) + lane] = history[t];
                }
            }

            return;
        }

        // 8 (or 4) lanes by 8 (or 4) frames at a time, transposed in registers: the history is lane-major, the rows
        // frame-major.
        ref float naive = ref MemoryMarshal.GetArrayDataReference(_naive);
        if (Avx.IsSupported)
        {
            for (int g = 0; g < width; g += 8)
            {
                ref float h0 = ref HistoryOf(g);
                ref float h1 = ref HistoryOf(g + 1);
                ref float h2 = ref HistoryOf(g + 2);
                ref float h3 = ref HistoryOf(g + 3);
                ref float h4 = ref HistoryOf(g + 4);
                ref float h5 = ref HistoryOf(g + 5);
                ref float h6 = ref HistoryOf(g + 6);
                ref float h7 = ref HistoryOf(g + 7);
                for (int t = 0; t < History; t += 8)
                {
                    Vector256<float> r0 = Vector256.LoadUnsafe(ref h0, (nuint)t);
                    Vector256<float> r1 = Vector256.LoadUnsafe(ref h1, (nuint)t);
                    Vector256<float> r2 = Vector256.LoadUnsafe(ref h2, (nuint)t);
                    Vector256<float> r3 = Vector256.LoadUnsafe(ref h3, (nuint)t);
                    Vector256<float> r4 = Vector256.LoadUnsafe(ref h4, (nuint)t);
                    Vector256<float> r5 = Vector256.LoadUnsafe(ref h5, (nuint)t);
                    Vector256<float> r6 = Vector256.LoadUnsafe(ref h6, (nuint)t);
                    Vector256<float> r7 = Vector256.LoadUnsafe(ref h7, (nuint)t);
                    Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    nuint row = (nuint)((t * width) + g);
                    r0.StoreUnsafe(ref naive, row);
                    r1.StoreUnsafe(ref naive, row + (nuint)width);
                    r2.StoreUnsafe(ref naive, row + (nuint)(2 * width));
                    r3.StoreUnsafe(ref naive, row + (nuint)(3 * width));
                    r4.StoreUnsafe(ref naive, row + (nuint)(4 * width));
                    r5.StoreUnsafe(ref naive, row + (nuint)(5 * width));
                    r6.StoreUnsafe(ref naive, row + (nuint)(6 * width));
                    r7.StoreUnsafe(ref naive, row + (nuint)(7 * width));
                }
            }

            return;
        }

        for (int g = 0; g < width; g += 4)
        {
            ref float h0 = ref HistoryOf(g);
            ref float h1 = ref HistoryOf(g + 1);
            ref float h2 = ref HistoryOf(g + 2);
            ref float h3 = ref HistoryOf(g + 3);
            for (int t = 0; t < History; t += 4)
            {
                Vector128<float> r0 = Vector128.LoadUnsafe(ref h0, (nuint)t);
                Vector128<float> r1 = Vector128.LoadUnsafe(ref h1, (nuint)t);
                Vector128<float> r2 = Vector128.LoadUnsafe(ref h2, (nuint)t);
                Vector128<float> r3 = Vector128.LoadUnsafe(ref h3, (nuint)t);
                Transpose4(ref r0, ref r1, ref r2, ref r3);
                r0.StoreUnsafe(ref naive, (nuint)((t * width) + g));
                r1.StoreUnsafe(ref naive, (nuint)(((t + 1) * width) + g));
                r2.StoreUnsafe(ref naive, (nuint)(((t + 2) * width) + g));
                r3.StoreUnsafe(ref naive, (nuint)(((t + 3) * width) + g));
            }
        }
    }

    /// <summary>
    /// Adds each fast lane's residual to its column of rows 0 .. frames, 4 lanes by 4 frames at a time (8 by 8 with AVX;
    /// transposed in registers), up to the last frame any of those lanes' residuals may be non-zero. Every other residual frame is
    /// +0, and so are the zeros read for padding and node-rendered lanes, and x + 0 is x (the naive saw is never -0):
    /// the same bits as adding only the live frames lane by lane.
    /// </summary>
    private void AddResidualsTransposed(int frames)
    {
        int width = _width;
        ref float naive = ref MemoryMarshal.GetArrayDataReference(_naive);
        if (Avx.IsSupported)
        {
            AddResidualsTransposed8(frames);
            return;
        }

        for (int g = 0; g < width; g += 4)
        {
            int limit = 0;
            for (int lane = g; lane < g + 4; lane++)
            {
                if (lane < _lanes && _fast[lane])
                {
                    limit = Math.Max(limit, Math.Min(frames, _residualEnds[lane]));
                }
            }

            if (limit == 0)
            {
                continue;
            }

            ref float q0 = ref ResidualOf(g, frames);
            ref float q1 = ref ResidualOf(g + 1, frames);
            ref float q2 = ref ResidualOf(g + 2, frames);
            ref float q3 = ref ResidualOf(g + 3, frames);
            int f = 0;
            for (; f + 4 <= limit; f += 4)
            {
                Vector128<float> r0 = Vector128.LoadUnsafe(ref q0, (nuint)f);
                Vector128<float> r1 = Vector128.LoadUnsafe(ref q1, (nuint)f);
                Vector128<float> r2 = Vector128.LoadUnsafe(ref q2, (nuint)f);
                Vector128<float> r3 = Vector128.LoadUnsafe(ref q3, (nuint)f);
                Transpose4(ref r0, ref r1, ref r2, ref r3);
                nuint row = (nuint)((f * width) + g);
                (Vector128.LoadUnsafe(ref naive, row) + r0).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector128.LoadUnsafe(ref naive, row) + r1).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector128.LoadUnsafe(ref naive, row) + r2).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector128.LoadUnsafe(ref naive, row) + r3).StoreUnsafe(ref naive, row);
            }

            for (; f < limit; f++)
            {
                ref float row = ref Unsafe.Add(ref naive, (f * width) + g);
                row += Unsafe.Add(ref q0, f);
                Unsafe.Add(ref row, 1) += Unsafe.Add(ref q1, f);
                Unsafe.Add(ref row, 2) += Unsafe.Add(ref q2, f);
                Unsafe.Add(ref row, 3) += Unsafe.Add(ref q3, f);
            }
        }
    }

    /// <summary><see cref="AddResidualsTransposed"/> 8 lanes by 8 frames at a time.</summary>
    private void AddResidualsTransposed8(int frames)
    {
        int width = _width;
        ref float naive = ref MemoryMarshal.GetArrayDataReference(_naive);
        for (int g = 0; g < width; g += 8)
        {
            int limit = 0;
            for (int lane = g; lane < g + 8; lane++)
            {
                if (lane < _lanes && _fast[lane])
                {
                    limit = Math.Max(limit, Math.Min(frames, _residualEnds[lane]));
                }
            }

            if (limit == 0)
            {
                continue;
            }

            ref float q0 = ref ResidualOf(g, frames);
            ref float q1 = ref ResidualOf(g + 1, frames);
            ref float q2 = ref ResidualOf(g + 2, frames);
            ref float q3 = ref ResidualOf(g + 3, frames);
            ref float q4 = ref ResidualOf(g + 4, frames);
            ref float q5 = ref ResidualOf(g + 5, frames);
            ref float q6 = ref ResidualOf(g + 6, frames);
            ref float q7 = ref ResidualOf(g + 7, frames);
            int f = 0;
            for (; f + 8 <= limit; f += 8)
            {
                Vector256<float> r0 = Vector256.LoadUnsafe(ref q0, (nuint)f);
                Vector256<float> r1 = Vector256.LoadUnsafe(ref q1, (nuint)f);
                Vector256<float> r2 = Vector256.LoadUnsafe(ref q2, (nuint)f);
                Vector256<float> r3 = Vector256.LoadUnsafe(ref q3, (nuint)f);
                Vector256<float> r4 = Vector256.LoadUnsafe(ref q4, (nuint)f);
                Vector256<float> r5 = Vector256.LoadUnsafe(ref q5, (nuint)f);
                Vector256<float> r6 = Vector256.LoadUnsafe(ref q6, (nuint)f);
                Vector256<float> r7 = Vector256.LoadUnsafe(ref q7, (nuint)f);
                Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                nuint row = (nuint)((f * width) + g);
                (Vector256.LoadUnsafe(ref naive, row) + r0).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector256.LoadUnsafe(ref naive, row) + r1).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector256.LoadUnsafe(ref naive, row) + r2).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector256.LoadUnsafe(ref naive, row) + r3).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector256.LoadUnsafe(ref naive, row) + r4).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector256.LoadUnsafe(ref naive, row) + r5).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector256.LoadUnsafe(ref naive, row) + r6).StoreUnsafe(ref naive, row);
                row += (nuint)width;
                (Vector256.LoadUnsafe(ref naive, row) + r7).StoreUnsafe(ref naive, row);
            }

            for (; f < limit; f++)
            {
                ref float row = ref Unsafe.Add(ref naive, (f * width) + g);
                row += Unsafe.Add(ref q0, f);
                Unsafe.Add(ref row, 1) += Unsafe.Add(ref q1, f);
                Unsafe.Add(ref row, 2) += Unsafe.Add(ref q2, f);
                Unsafe.Add(ref row, 3) += Unsafe.Add(ref q3, f);
                Unsafe.Add(ref row, 4) += Unsafe.Add(ref q4, f);
                Unsafe.Add(ref row, 5) += Unsafe.Add(ref q5, f);
                Unsafe.Add(ref row, 6) += Unsafe.Add(ref q6, f);
                Unsafe.Add(ref row, 7) += Unsafe.Add(ref q7, f);
            }
        }
    }

    /// <summary>
    /// Hands each fast lane's naive tail (rows frames .. frames + HalfTaps) back to its node as its history, 4 lanes by
    /// 4 frames at a time (8 by 8 with AVX) where all those lanes are fast, and ends the node's bank block.
    /// </summary>
    private void CopyTailsOutTransposed(int frames)
    {
        const int History = BlepTable.HalfTaps;
        int width = _width;
        ref float naive = ref MemoryMarshal.GetArrayDataReference(_naive);
        int step = Avx.IsSupported ? 8 : 4;
        for (int g = 0; g < width; g += step)
        {
            if (step == 8 && AllFast(g, 8))
            {
                ref float h0 = ref MemoryMarshal.GetReference(_saws[g].NaiveHistory);
                ref float h1 = ref MemoryMarshal.GetReference(_saws[g + 1].NaiveHistory);
                ref float h2 = ref MemoryMarshal.GetReference(_saws[g + 2].NaiveHistory);
                ref float h3 = ref MemoryMarshal.GetReference(_saws[g + 3].NaiveHistory);
                ref float h4 = ref MemoryMarshal.GetReference(_saws[g + 4].NaiveHistory);
                ref float h5 = ref MemoryMarshal.GetReference(_saws[g + 5].NaiveHistory);
                ref float h6 = ref MemoryMarshal.GetReference(_saws[g + 6].NaiveHistory);
                ref float h7 = ref MemoryMarshal.GetReference(_saws[g + 7].NaiveHistory);
                for (int t = 0; t < History; t += 8)
                {
                    nuint row = (nuint)(((frames + t) * width) + g);
                    Vector256<float> r0 = Vector256.LoadUnsafe(ref naive, row);
                    Vector256<float> r1 = Vector256.LoadUnsafe(ref naive, row + (nuint)width);
                    Vector256<float> r2 = Vector256.LoadUnsafe(ref naive, row + (nuint)(2 * width));
                    Vector256<float> r3 = Vector256.LoadUnsafe(ref naive, row + (nuint)(3 * width));
                    Vector256<float> r4 = Vector256.LoadUnsafe(ref naive, row + (nuint)(4 * width));
                    Vector256<float> r5 = Vector256.LoadUnsafe(ref naive, row + (nuint)(5 * width));
                    Vector256<float> r6 = Vector256.LoadUnsafe(ref naive, row + (nuint)(6 * width));
                    Vector256<float> r7 = Vector256.LoadUnsafe(ref naive, row + (nuint)(7 * width));
                    Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    r0.StoreUnsafe(ref h0, (nuint)t);
                    r1.StoreUnsafe(ref h1, (nuint)t);
                    r2.StoreUnsafe(ref h2, (nuint)t);
                    r3.StoreUnsafe(ref h3, (nuint)t);
                    r4.StoreUnsafe(ref h4, (nuint)t);
                    r5.StoreUnsafe(ref h5, (nuint)t);
                    r6.StoreUnsafe(ref h6, (nuint)t);
                    r7.StoreUnsafe(ref h7, (nuint)t);
                }
            }
            else if (step == 4 && AllFast(g, 4))
            {
                ref float h0 = ref MemoryMarshal.GetReference(_saws[g].NaiveHistory);
                ref float h1 = ref MemoryMarshal.GetReference(_saws[g + 1].NaiveHistory);
                ref float h2 = ref MemoryMarshal.GetReference(_saws[g + 2].NaiveHistory);
                ref float h3 = ref MemoryMarshal.GetReference(_saws[g + 3].NaiveHistory);
                for (int t = 0; t < History; t += 4)
                {
                    nuint row = (nuint)(((frames + t) * width) + g);
                    Vector128<float> r0 = Vector128.LoadUnsafe(ref naive, row);
                    Vector128<float> r1 = Vector128.LoadUnsafe(ref naive, row + (nuint)width);
                    Vector128<float> r2 = Vector128.LoadUnsafe(ref naive, row + (nuint)(2 * width));
                    Vector128<float> r3 = Vector128.LoadUnsafe(ref naive, row + (nuint)(3 * width));
                    Transpose4(ref r0, ref r1, ref r2, ref r3);
                    r0.StoreUnsafe(ref h0, (nuint)t);
                    r1.StoreUnsafe(ref h1, (nuint)t);
                    r2.StoreUnsafe(ref h2, (nuint)t);
                    r3.StoreUnsafe(ref h3, (nuint)t);
                }
            }
            else
            {
                for (int lane = g; lane < Math.Min(g + step, _lanes); lane++)
                {
                    if (!_fast[lane])
                    {
                        continue;
                    }

                    Span<float> history = _saws[lane].NaiveHistory;
                    for (int t = 0; t < History; t++)
                    {
                        history[t] = Unsafe.Add(ref naive, ((frames + t) * width) + lane);
                    }
                }
            }
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            if (_fast[lane])
            {
                _saws[lane].EndBankBlock(frames, _phases[lane], _residualEnds[lane]);
            }
        }
    }

    /// <summary>The lane-by-lane form of <see cref="AddResidualsTransposed"/> and <see cref="CopyTailsOutTransposed"/>, where SSE is missing.</summary>
    private void AddResidualsByLane(int frames)
    {
        const int History = BlepTable.HalfTaps;
        int width = _width;
        for (int lane = 0; lane < _lanes; lane++)
        {
            if (!_fast[lane])
            {
                continue;
            }

            // Strided, so by reference: the bounds were checked once, by the spans' lengths. Only where the
            // residual may be non-zero: the carried corrections, then from the first wrap on (x + 0 is x: the
            // naive saw is never -0).
            Span<float> residual = _saws[lane].Residual(frames);
            int carriedEnd = Math.Min(frames, _residualCarried[lane]);
            int end = Math.Min(frames, _residualEnds[lane]);
            ref float column = ref _naive[lane];
            ref float residualRef = ref MemoryMarshal.GetReference(residual);
            for (int f = 0; f < carriedEnd; f++)
            {
                Unsafe.Add(ref column, f * width) += Unsafe.Add(ref residualRef, f);
            }

            for (int f = Math.Max(carriedEnd, _firstWraps[lane]); f < end; f++)
            {
                Unsafe.Add(ref column, f * width) += Unsafe.Add(ref residualRef, f);
            }

            ref float tail = ref Unsafe.Add(ref column, frames * width);
            for (int t = 0; t < History; t++)
            {
                _naiveTail[t] = Unsafe.Add(ref tail, t * width);
            }

            _saws[lane].EndBankBlock(frames, _phases[lane], _naiveTail, _residualEnds[lane]);
        }
    }

    private ref float HistoryOf(int lane) =>
        ref lane < _lanes ? ref MemoryMarshal.GetReference(_saws[lane].NaiveHistory) : ref MemoryMarshal.GetArrayDataReference(_zeros);

    private ref float ResidualOf(int lane, int frames) =>
        ref lane < _lanes && _fast[lane] ? ref MemoryMarshal.GetReference(_saws[lane].Residual(frames)) : ref MemoryMarshal.GetArrayDataReference(_zeros);

    private bool AllFast(int first, int count)
    {
        if (first + count > _lanes)
        {
            return false;
        }

        for (int lane = first; lane < first + count; lane++)
        {
            if (!_fast[lane])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Transposes the 8×8 block whose rows are <paramref name="r0"/> .. <paramref name="r7"/> (moves only: no bit changes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> u7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }

    /// <summary>Transposes the 4×4 block whose rows are <paramref name="r0"/> .. <paramref name="r3"/> (moves only: no bit changes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(ref Vector128<float> r0, ref Vector128<float> r1, ref Vector128<float> r2, ref Vector128<float> r3)
    {
        Vector128<float> t0 = Sse.UnpackLow(r0, r1);
        Vector128<float> t1 = Sse.UnpackLow(r2, r3);
        Vector128<float> t2 = Sse.UnpackHigh(r0, r1);
        Vector128<float> t3 = Sse.UnpackHigh(r2, r3);
        r0 = Sse.MoveLowToHigh(t0, t1);
        r1 = Sse.MoveHighToLow(t1, t0);
        r2 = Sse.MoveLowToHigh(t2, t3);
        r3 = Sse.MoveHighToLow(t3, t2);
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
