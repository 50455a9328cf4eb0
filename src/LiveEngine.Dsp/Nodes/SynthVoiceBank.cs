using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The voice bank of the Lua stdlib's <c>synth</c> (and <c>bass</c>, <c>pluck</c> without detune): an oscillator →
/// rlpf → vca under an adsr → gain, then optionally pan (what <c>&gt;&gt;</c> puts between a mono voice and a stereo
/// bus), summed over its lanes. The oscillators run across lanes in <see cref="BankOscillators"/> (a gliding one through
/// its node), the envelopes in <see cref="BankEnvelopes"/>; the filter, the envelope, the gain and the pan run across lanes in
/// <see cref="VoiceBankKernels"/>, with the envelope times the gain as the per-frame level. Without a pan the bank is mono: the pan gains are (1, 0) and the right sum is scratch.
/// </summary>
/// <remarks>
/// Banked, the level is filter × (envelope × gain), unbanked (filter × envelope) × gain: one float rounding apart;
/// with the float filter that is inside the bound docs/performance.md states. All state stays in the lanes' nodes.
/// </remarks>
public sealed class SynthVoiceBank : BankProcessor
{
    /// <summary>The bank kind's name, shown by <c>:graph</c> and <c>bench</c>.</summary>
    public const string KindName = "osc>rlpf>vca(adsr)>gain";

    /// <summary>The kind with a pan after the gain.</summary>
    public const string PannedKindName = "osc>rlpf>vca(adsr)>gain>pan";

    private const int EnvelopeStage = 0;
    private const int OscillatorStage = 1;
    private const int FilterStage = 2;
    private const int GainStage = 4;

    private readonly int _lanes;
    private readonly int _width;
    private readonly AdsrNode[] _envelopes;
    private readonly AudioNode[] _oscillators;
    private readonly RlpfNode[] _filters;
    private readonly GainNode[] _gains;
    private readonly BankPanGains? _panGains;
    private readonly BankEnvelopes _bankEnvelopes;
    private readonly BankOscillators _bankOscillators;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;

    // Scratch, audio thread only.
    private readonly float[] _input;
    private readonly float[] _ic1;
    private readonly float[] _ic2;
    private readonly float[] _a1Fixed;
    private readonly float[] _a2Fixed;
    private readonly float[] _a3Fixed;
    private readonly float[] _a1Ramp;
    private readonly float[] _a2Ramp;
    private readonly float[] _a3Ramp;
    private readonly bool[] _gliding;
    private readonly float[] _level;
    private readonly float[] _gainRow;
    private readonly float[] _fixedGains;
    private readonly float[] _left;
    private readonly float[] _right;
    private readonly float[] _rightSum;

    public SynthVoiceBank(BankLanes lanes)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        _lanes = lanes.LaneCount;
        if (_lanes < 1 || _lanes > VoiceBankKernels.MaxWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(lanes), _lanes, $"A voice bank has 1 to {VoiceBankKernels.MaxWidth} lanes.");
        }

        _width = (_lanes + VoiceBankKernels.GroupLanes - 1) / VoiceBankKernels.GroupLanes * VoiceBankKernels.GroupLanes;
        int maxFrames = lanes.MaxBlockFrames;
        _envelopes = new AdsrNode[_lanes];
        _oscillators = new AudioNode[_lanes];
        _filters = new RlpfNode[_lanes];
        _gains = new GainNode[_lanes];
        for (int lane = 0; lane < _lanes; lane++)
        {
            AudioNode[] nodes = lanes.Nodes[lane];
            _envelopes[lane] = (AdsrNode)nodes[EnvelopeStage];
            _oscillators[lane] = nodes[OscillatorStage];
            _filters[lane] = (RlpfNode)nodes[FilterStage];
            _ = (VcaNode)nodes[3];
            _gains[lane] = (GainNode)nodes[GainStage];
        }

        if (lanes.Nodes[0].Length > GainStage + 1)
        {
            _panGains = new BankPanGains([.. lanes.Nodes.Select(nodes => (PanNode)nodes[GainStage + 1])], _width, maxFrames);
        }

        _parameterStarts = lanes.ParameterStarts;
        _parameterValues = lanes.ParameterValues;
        _bankEnvelopes = new BankEnvelopes(_envelopes, _parameterValues, [.. _parameterStarts.Select(starts => starts[EnvelopeStage])], _width);
        _bankOscillators = new BankOscillators(_oscillators, _parameterValues, [.. _parameterStarts.Select(starts => starts[OscillatorStage])], _width, maxFrames);
        int frameLanes = maxFrames * _width;
        _input = new float[frameLanes];
        _ic1 = new float[_width];
        _ic2 = new float[_width];
        _a1Fixed = new float[_width];
        _a2Fixed = new float[_width];
        _a3Fixed = new float[_width];
        _a1Ramp = new float[frameLanes];
        _a2Ramp = new float[frameLanes];
        _a3Ramp = new float[frameLanes];
        _gliding = new bool[_lanes];
        _level = new float[frameLanes];
        _gainRow = new float[maxFrames];
        _fixedGains = new float[_width];
        _left = new float[_width];
        _right = new float[_width];
        Array.Fill(_left, 1f, 0, _lanes);
        _rightSum = new float[maxFrames];
    }

    /// <summary>Lanes that carry voices.</summary>
    public int LaneCount => _lanes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Process(in ProcessContext context)
    {
        int frames = context.Frames;
        long sampleTime = context.SampleTime;
        int width = _width;
        _bankOscillators.Render(frames, sampleTime, _input);

        // The level of each lane and frame: its envelope (rendered across lanes) times its gain (fixed or gliding).
        Span<float> level = _level.AsSpan(0, frames * width);
        _bankEnvelopes.Render(frames, level);
        bool anyFixed = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            float gain = _gains[lane].BeginBankBlock(Parameters(lane, GainStage, 1), _gainRow.AsSpan(0, frames));
            if (float.IsNaN(gain))
            {
                _fixedGains[lane] = 1f;
                for (int f = 0; f < frames; f++)
                {
                    level[(f * width) + lane] *= _gainRow[f];
                }
            }
            else
            {
                _fixedGains[lane] = gain;
                anyFixed = true;
            }
        }

        if (anyFixed)
        {
            // × 1 (the gliding lanes, done above, and the padding) changes no bit.
            for (int f = 0; f < frames; f++)
            {
                Span<float> row = level.Slice(f * width, width);
                VectorKernels.Binary<MultiplyOperator>(row, _fixedGains, row);
            }
        }

        int coefficientStride = PrepareFilters(frames);
        if (_panGains is not null)
        {
            bool anyGliding = false;
            for (int lane = 0; lane < _lanes; lane++)
            {
                anyGliding |= _panGains.Begin(lane, Parameters(lane, GainStage + 1, 1), frames);
            }

            _panGains.Finish(frames, anyGliding);
        }

        var block = new VoiceBankBlock
        {
            Width = width,
            Frames = frames,
            SampleTime = sampleTime,
            Input = _input.AsSpan(0, frames * width),
            Ic1 = _ic1,
            Ic2 = _ic2,
            A1 = coefficientStride == 0 ? _a1Fixed : _a1Ramp,
            A2 = coefficientStride == 0 ? _a2Fixed : _a2Ramp,
            A3 = coefficientStride == 0 ? _a3Fixed : _a3Ramp,
            CoefficientStride = coefficientStride,
            Level = _level.AsSpan(0, frames * width),
            LevelStride = width,
            Left = _panGains?.Left ?? _left,
            Right = _panGains?.Right ?? _right,
            PanStride = _panGains?.Stride ?? 0,
            OutLeft = context.Output(0),
            OutRight = _panGains is null ? _rightSum.AsSpan(0, frames) : context.Output(1),
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

    private ReadOnlySpan<float> Parameters(int lane, int stage, int count) => new(_parameterValues, _parameterStarts[lane][stage], count);

    /// <summary>Reads every lane's filter state and coefficients; returns the coefficient stride (0 when none glides).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            ReadOnlySpan<SvfCoefficients> ramp = filter.BeginBlock(Parameters(lane, FilterStage, 2), frames);
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
}
