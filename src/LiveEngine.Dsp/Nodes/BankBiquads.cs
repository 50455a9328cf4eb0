using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// A voice bank's run of biquads in series (each lane the same number, types free per lane), across lanes and up to
/// <see cref="BiquadBankKernels.MaxStages"/> stages per pass (<see cref="BiquadBankKernels.Process(ref BiquadBankBlock)"/>)
/// on a frame-major signal, in place. Sized at creation; audio thread only after.
/// </summary>
/// <remarks>
/// The bank holds its biquads' state (<see cref="IBankLaneOwner"/>) in float between blocks, as the saw bank holds its
/// saws' and filters': it takes a node's state over the first time it plays it and writes it back (the node's double
/// holds the float exactly) when the node renders alone, another bank takes it, a new instance adopts it or the node is
/// reset, so that a lane that moves to another bank, or out of banks, at a commit carries on where it was. A biquad
/// whose parameters are those it had last block and which does not glide is not asked for anything: a settled block
/// reads only the parameter values, and converts no coefficient.
/// </remarks>
internal sealed class BankBiquads : IBankLaneOwner
{
    private const int BiquadParameters = 3;

    private readonly BiquadNode[][] _biquads;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;
    private readonly int _lanes;
    private readonly int _width;
    private readonly int _maxFrames;

    // Set by Release (from a consumer in a later snapshot, never while this bank renders) and at creation: some
    // biquad holds its state itself, and the bank takes it back before it plays.
    private bool _acquirePending = true;

    // Audio thread only, stage s of lane l at s * width + l: the state while this bank owns it; the frames this bank
    // has played and, per biquad, the count when its state was last taken or written back (the node's stream position
    // lags by the difference while the bank holds it).
    private readonly float[] _z1;
    private readonly float[] _z2;
    private long _framesPlayed;
    private readonly long[] _since;

    // Audio thread only, stage s of lane l at s * width + l: the fixed coefficients rounded to float, renewed when
    // the node's change (its CoefficientsVersion); the parameter values the node last saw (3 per biquad), and whether
    // it was settled (not gliding) after them. A settled biquad whose values did not change is not asked again.
    private readonly float[][] _fixed;
    private readonly long[] _fixedVersions;
    private readonly float[] _seenValues;
    private readonly bool[] _settled;

    // Scratch, audio thread only.
    private readonly float[][] _ramp;
    private readonly bool[] _gliding;

    /// <param name="biquads">Per stage, the lanes' biquads.</param>
    /// <param name="parameterValues">The bank's parameter block.</param>
    /// <param name="parameterStarts">Per stage, per lane, where the biquad's parameters start in <paramref name="parameterValues"/>.</param>
    /// <param name="width">Lanes including the padding, a multiple of 16.</param>
    /// <param name="maxFrames">The largest block.</param>
    public BankBiquads(BiquadNode[][] biquads, float[] parameterValues, int[][] parameterStarts, int width, int maxFrames)
    {
        _biquads = biquads;
        _parameterValues = parameterValues;
        _parameterStarts = parameterStarts;
        _lanes = biquads[0].Length;
        _width = width;
        _maxFrames = maxFrames;
        int slots = biquads.Length * width;
        _z1 = new float[slots];
        _z2 = new float[slots];
        _since = new long[slots];
        _fixed = new float[5][];
        _ramp = new float[5][];
        for (int k = 0; k < 5; k++)
        {
            _fixed[k] = new float[slots];
            _ramp[k] = new float[BiquadBankKernels.MaxStages * maxFrames * width];
        }

        _fixedVersions = new long[slots];
        Array.Fill(_fixedVersions, -1L);
        _seenValues = new float[slots * BiquadParameters];
        _settled = new bool[slots];
        _gliding = new bool[_lanes];
    }

    /// <summary>Runs every stage over <paramref name="signal"/> (frames × width, frame-major), in place. Audio thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(Span<float> signal, int frames, long sampleTime)
    {
        if (Volatile.Read(ref _acquirePending))
        {
            AcquireLanes();
        }

        for (int first = 0; first < _biquads.Length; first += BiquadBankKernels.MaxStages)
        {
            RunStages(signal, first, Math.Min(BiquadBankKernels.MaxStages, _biquads.Length - first), frames, sampleTime);
        }

        _framesPlayed += frames;
    }

    public void Release(int lane)
    {
        for (int s = 0; s < _biquads.Length; s++)
        {
            BiquadNode node = _biquads[s][lane];
            if (node.BankOwner == this)
            {
                WriteBack(s, lane);
                node.ClearBankOwner(this);
            }
        }

        Volatile.Write(ref _acquirePending, true);
    }

    public void CopyToNodes(int lane)
    {
        for (int s = 0; s < _biquads.Length; s++)
        {
            if (_biquads[s][lane].BankOwner == this)
            {
                WriteBack(s, lane);
            }
        }
    }

    /// <summary>Takes over the state of every biquad that holds it (a fresh bank, or biquads someone took meanwhile).</summary>
    private void AcquireLanes()
    {
        // Cleared first: a Release from now on (a later snapshot) must be seen next time.
        Volatile.Write(ref _acquirePending, false);
        int width = _width;
        for (int s = 0; s < _biquads.Length; s++)
        {
            BiquadNode[] nodes = _biquads[s];
            for (int lane = 0; lane < _lanes; lane++)
            {
                BiquadNode node = nodes[lane];
                if (node.BankOwner != this)
                {
                    node.BankOwner?.Release(node.BankLane);

                    // The node keeps the state in double, which holds the bank's float exactly after the first block.
                    BiquadState state = node.AdoptBankState(this, lane);
                    int at = (s * width) + lane;
                    _z1[at] = (float)state.Z1;
                    _z2[at] = (float)state.Z2;
                    _since[at] = _framesPlayed;
                    _settled[at] = false;
                }
            }
        }
    }

    /// <summary>Writes stage <paramref name="stage"/>'s state of the lane (as it stands between blocks) and the frames played since into its node.</summary>
    private void WriteBack(int stage, int lane)
    {
        int at = (stage * _width) + lane;
        var state = new BiquadState { Z1 = _z1[at], Z2 = _z2[at] };
        _biquads[stage][lane].WriteBankState(in state, _framesPlayed - _since[at]);
        _since[at] = _framesPlayed;
    }

    /// <summary>Runs biquad stages first .. first + count - 1 (at most <see cref="BiquadBankKernels.MaxStages"/>) in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunStages(Span<float> signal, int first, int count, int frames, long sampleTime)
    {
        int width = _width;
        int lanes = _lanes;
        int rampStride = _maxFrames * width;
        bool anyGliding = false;
        float[] values = _parameterValues;
        float[] seen = _seenValues;
        bool[] settled = _settled;
        long[] versions = _fixedVersions;
        for (int s = 0; s < count; s++)
        {
            BiquadNode[] nodes = _biquads[first + s];
            int[] starts = _parameterStarts[first + s];
            int row = (first + s) * width;
            for (int lane = 0; lane < lanes; lane++)
            {
                int at = row + lane;
                int p = starts[lane];
                int w = at * BiquadParameters;
                if (settled[at]
                    && BitConverter.SingleToInt32Bits(values[p]) == BitConverter.SingleToInt32Bits(seen[w])
                    && BitConverter.SingleToInt32Bits(values[p + 1]) == BitConverter.SingleToInt32Bits(seen[w + 1])
                    && BitConverter.SingleToInt32Bits(values[p + 2]) == BitConverter.SingleToInt32Bits(seen[w + 2]))
                {
                    // The node's targets are these values and it does not glide: BeginBlock would change nothing.
                    _gliding[lane] = false;
                    continue;
                }

                BiquadNode node = nodes[lane];
                var parameters = new ReadOnlySpan<float>(values, p, BiquadParameters);
                parameters.CopyTo(seen.AsSpan(w, BiquadParameters));
                ReadOnlySpan<BiquadCoefficients> ramp = node.BeginBlock(parameters, frames);
                settled[at] = ramp.IsEmpty;
                long version = node.CoefficientsVersion;
                if (versions[at] != version)
                {
                    Store(_fixed, at, node.Coefficients);
                    versions[at] = version;
                }

                _gliding[lane] = !ramp.IsEmpty;
                if (!ramp.IsEmpty)
                {
                    if (!anyGliding)
                    {
                        // The first glide of this pass: every stage before it goes into the ramp layout now.
                        FillRamps(first, 0, s, frames);
                        anyGliding = true;
                    }

                    for (int f = 0; f < frames; f++)
                    {
                        Store(_ramp, (s * rampStride) + (f * width) + lane, ramp[f]);
                    }
                }
            }

            if (anyGliding)
            {
                for (int lane = 0; lane < lanes; lane++)
                {
                    if (!_gliding[lane])
                    {
                        FillRamp(first, s, lane, frames);
                    }
                }
            }
        }

        float[][] coefficients = anyGliding ? _ramp : _fixed;
        int coefficientStart = anyGliding ? 0 : first * width;
        var block = new BiquadBankBlock
        {
            Width = width,
            Frames = frames,
            SampleTime = sampleTime,
            Stages = count,
            Signal = signal[..(frames * width)],
            Z1 = _z1.AsSpan(first * width),
            Z2 = _z2.AsSpan(first * width),
            B0 = coefficients[0].AsSpan(coefficientStart),
            B1 = coefficients[1].AsSpan(coefficientStart),
            B2 = coefficients[2].AsSpan(coefficientStart),
            A1 = coefficients[3].AsSpan(coefficientStart),
            A2 = coefficients[4].AsSpan(coefficientStart),
            CoefficientStride = anyGliding ? width : 0,
            StageStride = anyGliding ? rampStride : width,
        };
        BiquadBankKernels.Process(ref block);
    }

    /// <summary>Copies the fixed coefficients of the pass's stages from .. from + count - 1 into the ramp layout, every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FillRamps(int first, int from, int count, int frames)
    {
        for (int s = from; s < from + count; s++)
        {
            for (int lane = 0; lane < _lanes; lane++)
            {
                FillRamp(first, s, lane, frames);
            }
        }
    }

    /// <summary>Copies the fixed coefficients of stage <paramref name="first"/> + <paramref name="stage"/> into row <paramref name="stage"/> of the pass's ramp layout.</summary>
    private void FillRamp(int first, int stage, int lane, int frames)
    {
        int width = _width;
        int rampStride = _maxFrames * width;
        for (int k = 0; k < 5; k++)
        {
            float value = _fixed[k][((first + stage) * width) + lane];
            float[] ramp = _ramp[k];
            for (int f = 0; f < frames; f++)
            {
                ramp[(stage * rampStride) + (f * width) + lane] = value;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float[][] arrays, int at, in BiquadCoefficients c)
    {
        arrays[0][at] = (float)c.B0;
        arrays[1][at] = (float)c.B1;
        arrays[2][at] = (float)c.B2;
        arrays[3][at] = (float)c.A1;
        arrays[4][at] = (float)c.A2;
    }
}
