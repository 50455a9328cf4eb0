using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The voice bank of a source through a gain (the stdlib's <c>kick</c> and <c>hat</c>, a track's sampler voices): a
/// source (oscillator, noise or sampler), optionally through biquads, through a vca under an adsr, or a sampler alone,
/// then gain, optionally pan, summed over its lanes. The sources run across lanes where they are oscillators
/// (<see cref="BankOscillators"/>), else through their nodes; the biquads (<see cref="BankBiquads"/>, float state as in
/// every biquad bank), the envelopes (<see cref="BankEnvelopes"/>), the vca, the gain, the pan and the sum run across lanes (frame-major, <see cref="VectorKernels"/> and <see cref="BiquadBankKernels.PanSum(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>),
/// with the same float products as the nodes ((x × envelope) × level, then × the pan gain); only the order of the
/// sum over lanes differs from the mix tree's. Without a pan the bank is mono.
/// </summary>
public sealed class SourceVoiceBank : BankProcessor
{
    /// <summary>The bank kinds' names, shown by <c>:graph</c> and <c>bench</c>.</summary>
    public const string SamplerKindName = "sampler>gain";

    public const string PannedSamplerKindName = "sampler>gain>pan";

    public const string EnvelopeKindName = "src>vca(adsr)>gain";

    public const string PannedEnvelopeKindName = "src>vca(adsr)>gain>pan";

    public const string FilteredKindName = "src>biquad…>vca(adsr)>gain";

    public const string PannedFilteredKindName = "src>biquad…>vca(adsr)>gain>pan";

    private readonly int _lanes;
    private readonly int _width;
    private readonly int _gainStage;
    private readonly AudioNode[] _sources;
    private readonly AdsrNode[] _envelopes;
    private readonly GainNode[] _gains;
    private readonly BankPanGains? _panGains;
    private readonly BankEnvelopes? _bankEnvelopes;
    private readonly BankOscillators _bankSources;
    private readonly BankBiquads? _bankBiquads;
    private readonly int[][] _parameterStarts;
    private readonly float[] _parameterValues;

    // Scratch, audio thread only.
    private readonly float[] _signal;
    private readonly float[] _envelopeSignal;
    private readonly float[] _levelFixed;
    private readonly float[] _levelRamp;
    private readonly float[] _gainRow;
    private readonly float[] _monoLeft;
    private readonly float[] _monoRight;
    private readonly float[] _rightSum;

    /// <param name="lanes">Per lane: [adsr,] source, [biquads,] [vca,] gain[, pan].</param>
    /// <param name="envelope">Whether the lanes have the adsr and vca.</param>
    /// <param name="filtered">Whether biquads (as many as the lanes have before the vca) follow the source; only with the envelope.</param>
    public SourceVoiceBank(BankLanes lanes, bool envelope, bool filtered = false)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        _lanes = lanes.LaneCount;
        if (_lanes < 1 || _lanes > VoiceBankKernels.MaxWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(lanes), _lanes, $"A voice bank has 1 to {VoiceBankKernels.MaxWidth} lanes.");
        }

        _width = (_lanes + VoiceBankKernels.GroupLanes - 1) / VoiceBankKernels.GroupLanes * VoiceBankKernels.GroupLanes;
        int sourceStage = envelope ? 1 : 0;
        int biquads = 0;
        if (filtered)
        {
            if (!envelope)
            {
                throw new ArgumentException("A filtered source bank has the envelope.", nameof(filtered));
            }

            while (lanes.Nodes[0][sourceStage + 1 + biquads] is BiquadNode)
            {
                biquads++;
            }
        }

        _gainStage = envelope ? 3 + biquads : 1;
        int maxFrames = lanes.MaxBlockFrames;
        _sources = new AudioNode[_lanes];
        _envelopes = new AdsrNode[envelope ? _lanes : 0];
        _gains = new GainNode[_lanes];
        for (int lane = 0; lane < _lanes; lane++)
        {
            AudioNode[] nodes = lanes.Nodes[lane];
            _sources[lane] = nodes[sourceStage];
            if (envelope)
            {
                _envelopes[lane] = (AdsrNode)nodes[0];
                _ = (VcaNode)nodes[2 + biquads];
            }

            _gains[lane] = (GainNode)nodes[_gainStage];
        }

        if (lanes.Nodes[0].Length > _gainStage + 1)
        {
            _panGains = new BankPanGains([.. lanes.Nodes.Select(nodes => (PanNode)nodes[_gainStage + 1])], _width, maxFrames);
        }

        _parameterStarts = lanes.ParameterStarts;
        _parameterValues = lanes.ParameterValues;
        if (envelope)
        {
            _bankEnvelopes = new BankEnvelopes(_envelopes, _parameterValues, [.. _parameterStarts.Select(starts => starts[0])], _width);
        }

        _bankSources = new BankOscillators(_sources, _parameterValues, [.. _parameterStarts.Select(starts => starts[sourceStage])], _width, maxFrames);
        if (biquads > 0)
        {
            BiquadNode[][] stages = [.. Enumerable.Range(0, biquads).Select(s => lanes.Nodes.Select(nodes => (BiquadNode)nodes[sourceStage + 1 + s]).ToArray())];
            int[][] starts = [.. Enumerable.Range(0, biquads).Select(s => _parameterStarts.Select(lane => lane[sourceStage + 1 + s]).ToArray())];
            _bankBiquads = new BankBiquads(stages, _parameterValues, starts, _width, maxFrames);
        }
        _signal = new float[maxFrames * _width];
        _envelopeSignal = new float[envelope ? maxFrames * _width : 0];
        _levelFixed = new float[_width];
        _levelRamp = new float[maxFrames * _width];
        _gainRow = new float[maxFrames];
        _monoLeft = new float[_width];
        Array.Fill(_monoLeft, 1f, 0, _lanes);
        _monoRight = new float[_width];
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
        int samples = frames * width;
        Span<float> signal = _signal.AsSpan(0, samples);
        _bankSources.Render(frames, sampleTime, signal);
        _bankBiquads?.Process(signal, frames, sampleTime);
        if (_bankEnvelopes is not null)
        {
            // The vca: x × envelope (rendered across lanes), lane-wise as the node does it.
            _bankEnvelopes.Render(frames, _envelopeSignal.AsSpan(0, samples));
            VectorKernels.Binary<MultiplyOperator>(signal, _envelopeSignal.AsSpan(0, samples), signal);
        }

        // The gain: × level (fixed or gliding per lane); padding lanes stay 0 × 0.
        bool anyGliding = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            float level = _gains[lane].BeginBankBlock(Parameters(lane, _gainStage, 1), _gainRow.AsSpan(0, frames));
            if (float.IsNaN(level))
            {
                if (!anyGliding)
                {
                    FillLevelRamp(0, lane, frames);
                    anyGliding = true;
                }

                for (int f = 0; f < frames; f++)
                {
                    _levelRamp[(f * width) + lane] = _gainRow[f];
                }
            }
            else
            {
                _levelFixed[lane] = level;
                if (anyGliding)
                {
                    FillLevelRamp(lane, lane + 1, frames);
                }
            }
        }

        if (anyGliding)
        {
            VectorKernels.Binary<MultiplyOperator>(signal, _levelRamp.AsSpan(0, samples), signal);
        }
        else
        {
            for (int f = 0; f < frames; f++)
            {
                Span<float> row = signal.Slice(f * width, width);
                VectorKernels.Binary<MultiplyOperator>(row, _levelFixed, row);
            }
        }

        if (_panGains is null)
        {
            BiquadBankKernels.PanSum(signal, _monoLeft, _monoRight, 0, width, context.Output(0), _rightSum.AsSpan(0, frames));
            return;
        }

        bool anyPanGliding = false;
        for (int lane = 0; lane < _lanes; lane++)
        {
            anyPanGliding |= _panGains.Begin(lane, Parameters(lane, _gainStage + 1, 1), frames);
        }

        _panGains.Finish(frames, anyPanGliding);
        BiquadBankKernels.PanSum(signal, _panGains.Left, _panGains.Right, _panGains.Stride, width, context.Output(0), context.Output(1));
    }

    private ReadOnlySpan<float> Parameters(int lane, int stage, int count) => new(_parameterValues, _parameterStarts[lane][stage], count);

    /// <summary>Writes the fixed levels of lanes first .. end - 1 into the ramp layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FillLevelRamp(int first, int end, int frames)
    {
        for (int lane = first; lane < end; lane++)
        {
            for (int f = 0; f < frames; f++)
            {
                _levelRamp[(f * _width) + lane] = _levelFixed[lane];
            }
        }
    }
}
