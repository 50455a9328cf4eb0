using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The voice bank of an oscillator through 1 to <see cref="MaxBiquads"/> biquads of the RBJ family in series, then
/// pan (the chains of <c>chains-MxL</c>), summed over its lanes: the oscillators run as the nodes they are (lane by
/// lane), the biquads across lanes, stage by stage (<see cref="BiquadBankKernels.Process(ref BiquadBankBlock)"/>),
/// then pan and the lane sum (<see cref="BiquadBankKernels.PanSum(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>).
/// Lanes may mix biquad types (a low-pass in one lane, a peak in another): only the coefficients differ.
/// </summary>
/// <remarks>
/// All state stays in the lanes' nodes: each biquad's state goes in and out as float (which the node's double holds
/// exactly after the first banked block), so a lane that moves to another bank, or out of banks, at a commit
/// carries on where it was.
/// </remarks>
public sealed class BiquadChainVoiceBank : BankProcessor
{
    /// <summary>The bank kind's name, shown by <c>:graph</c> and <c>bench</c>.</summary>
    public const string KindName = "osc>biquad…>pan";

    /// <summary>Biquads in series per lane at most.</summary>
    public const int MaxBiquads = 32;

    private readonly int _lanes;
    private readonly int _width;
    private readonly int _stages;
    private readonly int _maxFrames;
    private readonly AudioNode[] _oscillators;
    private readonly BiquadNode[][] _biquads;
    private readonly PanNode[] _pans;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;
    private readonly int[] _oscillatorParameters;

    // Scratch, audio thread only.
    private readonly BankLaneRows _rows;
    private readonly float[] _signal;
    private readonly float[] _z1;
    private readonly float[] _z2;
    private readonly float[][] _fixed;
    private readonly float[][] _ramp;
    private readonly bool[] _gliding;
    private readonly BankPanGains _panGains;

    public BiquadChainVoiceBank(BankLanes lanes)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        _lanes = lanes.LaneCount;
        if (_lanes < 1 || _lanes > VoiceBankKernels.MaxWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(lanes), _lanes, $"A voice bank has 1 to {VoiceBankKernels.MaxWidth} lanes.");
        }

        _width = (_lanes + VoiceBankKernels.GroupLanes - 1) / VoiceBankKernels.GroupLanes * VoiceBankKernels.GroupLanes;
        _stages = lanes.Nodes[0].Length - 2;
        int maxFrames = lanes.MaxBlockFrames;
        _oscillators = new AudioNode[_lanes];
        _oscillatorParameters = new int[_lanes];
        _biquads = new BiquadNode[_stages][];
        _pans = new PanNode[_lanes];
        for (int s = 0; s < _stages; s++)
        {
            _biquads[s] = new BiquadNode[_lanes];
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            AudioNode[] nodes = lanes.Nodes[lane];
            if (nodes.Length != _stages + 2)
            {
                throw new ArgumentException("Every lane of a bank has the same number of biquads.", nameof(lanes));
            }

            _oscillators[lane] = nodes[0];
            _oscillatorParameters[lane] = BankLaneRows.ParameterCount(nodes[0]);
            for (int s = 0; s < _stages; s++)
            {
                _biquads[s][lane] = (BiquadNode)nodes[1 + s];
            }

            _pans[lane] = (PanNode)nodes[^1];
        }

        _parameterStarts = lanes.ParameterStarts;
        _parameterValues = lanes.ParameterValues;
        _rows = new BankLaneRows(_lanes, maxFrames);
        _signal = new float[maxFrames * _width];
        _z1 = new float[BiquadBankKernels.MaxStages * _width];
        _z2 = new float[BiquadBankKernels.MaxStages * _width];
        _fixed = new float[5][];
        _ramp = new float[5][];
        for (int k = 0; k < 5; k++)
        {
            _fixed[k] = new float[BiquadBankKernels.MaxStages * _width];
            _ramp[k] = new float[BiquadBankKernels.MaxStages * maxFrames * _width];
        }

        _maxFrames = maxFrames;

        _gliding = new bool[_lanes];
        _panGains = new BankPanGains(_pans, _width, maxFrames);
    }

    /// <summary>Lanes that carry voices.</summary>
    public int LaneCount => _lanes;

    public override void Process(in ProcessContext context)
    {
        int frames = context.Frames;
        long sampleTime = context.SampleTime;
        for (int lane = 0; lane < _lanes; lane++)
        {
            _rows.RunSource(_oscillators[lane], lane, Parameters(lane, 0, _oscillatorParameters[lane]), frames, sampleTime);
        }

        _rows.Transpose(0, _lanes, frames, _width, _signal);
        for (int first = 0; first < _stages; first += BiquadBankKernels.MaxStages)
        {
            RunStages(first, Math.Min(BiquadBankKernels.MaxStages, _stages - first), frames, sampleTime);
        }

        bool anyGliding = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            anyGliding |= _panGains.Begin(lane, Parameters(lane, _stages + 1, 1), frames);
        }

        _panGains.Finish(frames, anyGliding);
        BiquadBankKernels.PanSum(
            _signal.AsSpan(0, frames * _width),
            _panGains.Left,
            _panGains.Right,
            _panGains.Stride,
            _width,
            context.Output(0),
            context.Output(1));
    }

    private ReadOnlySpan<float> Parameters(int lane, int stage, int count) => new(_parameterValues, _parameterStarts[lane][stage], count);

    /// <summary>Runs biquad stages first .. first + count - 1 (at most <see cref="BiquadBankKernels.MaxStages"/>) in one pass.</summary>
    private void RunStages(int first, int count, int frames, long sampleTime)
    {
        int width = _width;
        int rampStride = _maxFrames * width;
        bool anyGliding = false;
        for (int s = 0; s < count; s++)
        {
            BiquadNode[] nodes = _biquads[first + s];
            for (int lane = 0; lane < _lanes; lane++)
            {
                BiquadNode node = nodes[lane];
                ref BiquadState state = ref node.BankState;
                _z1[(s * width) + lane] = (float)state.Z1;
                _z2[(s * width) + lane] = (float)state.Z2;
                ReadOnlySpan<BiquadCoefficients> ramp = node.BeginBlock(Parameters(lane, 1 + first + s, 3), frames);
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
            Signal = _signal.AsSpan(0, frames * width),
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
