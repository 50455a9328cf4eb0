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

    // Scratch, audio thread only.
    private readonly float[] _z1;
    private readonly float[] _z2;
    private readonly float[][] _fixed;
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
            _fixed[k] = new float[BiquadBankKernels.MaxStages * width];
            _ramp[k] = new float[BiquadBankKernels.MaxStages * maxFrames * width];
        }

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
        int rampStride = _maxFrames * width;
        bool anyGliding = false;
        for (int s = 0; s < count; s++)
        {
            BiquadNode[] nodes = _biquads[first + s];
            int[] starts = _parameterStarts[first + s];
            for (int lane = 0; lane < _lanes; lane++)
            {
                BiquadNode node = nodes[lane];
                ref BiquadState state = ref node.BankState;
                _z1[(s * width) + lane] = (float)state.Z1;
                _z2[(s * width) + lane] = (float)state.Z2;
                ReadOnlySpan<BiquadCoefficients> ramp = node.BeginBlock(new ReadOnlySpan<float>(_parameterValues, starts[lane], BiquadParameters), frames);
                Store(_fixed, (s * width) + lane, node.Coefficients);
                _gliding[lane] = !ramp.IsEmpty;
                if (!ramp.IsEmpty)
                {
                    if (!anyGliding)
                    {
                        // The first glide of this pass: every stage before it goes into the ramp layout now.
                        FillRamps(0, s, frames);
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
                for (int lane = 0; lane < _lanes; lane++)
                {
                    if (!_gliding[lane])
                    {
                        FillRamp(s, lane, frames);
                    }
                }
            }
        }

        float[][] coefficients = anyGliding ? _ramp : _fixed;
        var block = new BiquadBankBlock
        {
            Width = width,
            Frames = frames,
            SampleTime = sampleTime,
            Stages = count,
            Signal = signal[..(frames * width)],
            Z1 = _z1,
            Z2 = _z2,
            B0 = coefficients[0],
            B1 = coefficients[1],
            B2 = coefficients[2],
            A1 = coefficients[3],
            A2 = coefficients[4],
            CoefficientStride = anyGliding ? width : 0,
            StageStride = anyGliding ? rampStride : width,
        };
        BiquadBankKernels.Process(ref block);

        for (int s = 0; s < count; s++)
        {
            BiquadNode[] nodes = _biquads[first + s];
            for (int lane = 0; lane < _lanes; lane++)
            {
                ref BiquadState state = ref nodes[lane].BankState;
                state.Z1 = _z1[(s * width) + lane];
                state.Z2 = _z2[(s * width) + lane];
                nodes[lane].AdvanceBank(frames);
            }
        }
    }

    /// <summary>Copies the fixed coefficients of stages first .. first + count - 1 into the ramp layout, every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FillRamps(int first, int count, int frames)
    {
        for (int s = first; s < first + count; s++)
        {
            for (int lane = 0; lane < _lanes; lane++)
            {
                FillRamp(s, lane, frames);
            }
        }
    }

    private void FillRamp(int stage, int lane, int frames)
    {
        int width = _width;
        int rampStride = _maxFrames * width;
        for (int k = 0; k < 5; k++)
        {
            float value = _fixed[k][(stage * width) + lane];
            float[] ramp = _ramp[k];
            for (int f = 0; f < frames; f++)
            {
                ramp[(stage * rampStride) + (f * width) + lane] = value;
            }
        }
    }

    private static void Store(float[][] arrays, int at, in BiquadCoefficients c)
    {
        arrays[0][at] = (float)c.B0;
        arrays[1][at] = (float)c.B1;
        arrays[2][at] = (float)c.B2;
        arrays[3][at] = (float)c.A1;
        arrays[4][at] = (float)c.A2;
    }
}
