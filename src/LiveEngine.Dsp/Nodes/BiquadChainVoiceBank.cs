using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The voice bank of an oscillator through 1 to <see cref="MaxBiquads"/> biquads of the RBJ family in series, then
/// pan (the chains of <c>chains-MxL</c>), summed over its lanes: the oscillators across lanes (<see cref="BankOscillators"/>),
/// the biquads across lanes, stage by stage (<see cref="BankBiquads"/>),
/// then pan and the lane sum (<see cref="BiquadBankKernels.PanSum(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>).
/// Lanes may mix biquad types (a low-pass in one lane, a peak in another): only the coefficients differ.
/// </summary>
/// <remarks>
/// The oscillators' and pans' state stays in the lanes' nodes; the biquads' state the bank holds in float between
/// blocks and hands back to a node whenever someone else needs it (<see cref="BankBiquads"/>), so a lane that moves
/// to another bank, or out of banks, at a commit carries on where it was.
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
    private readonly PanNode[] _pans;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;
    private readonly BankOscillators _oscillators;
    private readonly BankBiquads _biquads;

    // Scratch, audio thread only.
    private readonly float[] _signal;
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
        var oscillators = new AudioNode[_lanes];
        var biquads = new BiquadNode[_stages][];
        _pans = new PanNode[_lanes];
        for (int s = 0; s < _stages; s++)
        {
            biquads[s] = new BiquadNode[_lanes];
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            AudioNode[] nodes = lanes.Nodes[lane];
            if (nodes.Length != _stages + 2)
            {
                throw new ArgumentException("Every lane of a bank has the same number of biquads.", nameof(lanes));
            }

            oscillators[lane] = nodes[0];
            for (int s = 0; s < _stages; s++)
            {
                biquads[s][lane] = (BiquadNode)nodes[1 + s];
            }

            _pans[lane] = (PanNode)nodes[^1];
        }

        _parameterStarts = lanes.ParameterStarts;
        _parameterValues = lanes.ParameterValues;
        _oscillators = new BankOscillators(oscillators, _parameterValues, [.. _parameterStarts.Select(starts => starts[0])], _width, maxFrames);
        int[][] biquadStarts = [.. Enumerable.Range(0, _stages).Select(s => _parameterStarts.Select(starts => starts[1 + s]).ToArray())];
        _biquads = new BankBiquads(biquads, _parameterValues, biquadStarts, _width, maxFrames);
        _signal = new float[maxFrames * _width];
        _panGains = new BankPanGains(_pans, _width, maxFrames);
    }

    /// <summary>Lanes that carry voices.</summary>
    public int LaneCount => _lanes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Process(in ProcessContext context)
    {
        int frames = context.Frames;
        long sampleTime = context.SampleTime;
        Span<float> signal = _signal.AsSpan(0, frames * _width);
        _oscillators.Render(frames, sampleTime, signal);
        _biquads.Process(signal, frames, sampleTime);

        bool anyGliding = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            anyGliding |= _panGains.Begin(lane, Parameters(lane, _stages + 1, 1), frames);
        }

        _panGains.Finish(frames, anyGliding);
        BiquadBankKernels.PanSum(
            signal,
            _panGains.Left,
            _panGains.Right,
            _panGains.Stride,
            _width,
            context.Output(0),
            context.Output(1));
    }

    private ReadOnlySpan<float> Parameters(int lane, int stage, int count) => new(_parameterValues, _parameterStarts[lane][stage], count);
}
