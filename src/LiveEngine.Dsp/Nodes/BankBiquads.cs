using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// A voice bank's run of biquads in series (each lane the same number, types free per lane), across lanes and up to
/// <see cref="BiquadBankKernels.MaxStages"/> stages per pass (<see cref="BiquadBankKernels.Process(ref BiquadBankBlock)"/>)
/// on a frame-major signal, in place. All state stays in the lanes' nodes: each biquad's state goes in and out as
/// float (which the node's double holds exactly after the first banked block), so a lane that moves to another bank,
/// or out of banks, at a commit carries on where it was. Sized at creation; audio thread only after.
/// </summary>
internal sealed class BankBiquads
{
    private const int BiquadParameters = 3;

    private readonly BiquadNode[][] _biquads;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;
    private readonly int _lanes;
    private readonly int _width;
    private readonly int _maxFrames;

    // Every stage's fixed coefficients rounded to float (stage s of lane l at s * width + l), kept between blocks and
    // converted again only when the node's change (its CoefficientsVersion), so that a block without glides converts
    // none of the 5 coefficients of every biquad. Audio thread only.
    private readonly float[][] _fixed;
    private readonly long[] _fixedVersions;

    // Scratch, audio thread only.
    private readonly float[] _z1;
    private readonly float[] _z2;
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
        _z1 = new float[BiquadBankKernels.MaxStages * width];
        _z2 = new float[BiquadBankKernels.MaxStages * width];
        _fixed = new float[5][];
        _ramp = new float[5][];
        for (int k = 0; k < 5; k++)
        {
            _fixed[k] = new float[biquads.Length * width];
            _ramp[k] = new float[BiquadBankKernels.MaxStages * maxFrames * width];
        }

        _fixedVersions = new long[biquads.Length * width];
        Array.Fill(_fixedVersions, -1L);
        _gliding = new bool[_lanes];
    }

    /// <summary>Runs every stage over <paramref name="signal"/> (frames × width, frame-major), in place. Audio thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(Span<float> signal, int frames, long sampleTime)
    {
        for (int first = 0; first < _biquads.Length; first += BiquadBankKernels.MaxStages)
        {
            RunStages(signal, first, Math.Min(BiquadBankKernels.MaxStages, _biquads.Length - first), frames, sampleTime);
        }
    }

    /// <summary>Runs biquad stages first .. first + count - 1 (at most <see cref="BiquadBankKernels.MaxStages"/>) in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunStages(Span<float> signal, int first, int count, int frames, long sampleTime)
    {
        int width = _width;
        int lanes = _lanes;
        int rampStride = _maxFrames * width;
        bool anyGliding = false;
        float[] z1 = _z1;
        float[] z2 = _z2;
        long[] versions = _fixedVersions;
        for (int s = 0; s < count; s++)
        {
            BiquadNode[] nodes = _biquads[first + s];
            int[] starts = _parameterStarts[first + s];
            int row = s * width;
            int fixedRow = (first + s) * width;
            for (int lane = 0; lane < lanes; lane++)
            {
                BiquadNode node = nodes[lane];
                ref BiquadState state = ref node.BankState;
                z1[row + lane] = (float)state.Z1;
                z2[row + lane] = (float)state.Z2;
                ReadOnlySpan<BiquadCoefficients> ramp = node.BeginBlock(new ReadOnlySpan<float>(_parameterValues, starts[lane], BiquadParameters), frames);
                long version = node.CoefficientsVersion;
                if (versions[fixedRow + lane] != version)
                {
                    Store(_fixed, fixedRow + lane, node.Coefficients);
                    versions[fixedRow + lane] = version;
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
            Z1 = z1,
            Z2 = z2,
            B0 = coefficients[0].AsSpan(coefficientStart),
            B1 = coefficients[1].AsSpan(coefficientStart),
            B2 = coefficients[2].AsSpan(coefficientStart),
            A1 = coefficients[3].AsSpan(coefficientStart),
            A2 = coefficients[4].AsSpan(coefficientStart),
            CoefficientStride = anyGliding ? width : 0,
            StageStride = anyGliding ? rampStride : width,
        };
        BiquadBankKernels.Process(ref block);

        for (int s = 0; s < count; s++)
        {
            BiquadNode[] nodes = _biquads[first + s];
            int row = s * width;
            for (int lane = 0; lane < lanes; lane++)
            {
                BiquadNode node = nodes[lane];
                ref BiquadState state = ref node.BankState;
                state.Z1 = z1[row + lane];
                state.Z2 = z2[row + lane];
                node.AdvanceBank(frames);
            }
        }
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
