using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// A band-limited pulse, +1 for the first pulseWidth of each period and -1 for the rest (parameters freqHz,
/// level, pulseWidth): two band-limited steps per period. pulseWidth is read once per block.
/// </summary>
public sealed class SquareNode : BandLimitedOscillatorNode
{
    private const int PulseWidthParameter = 2;

    private uint _threshold = 0x80000000u;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        base.Prepare(context, previous);
        _threshold = Threshold(context.Parameters.Span[PulseWidthParameter]);
        if (previous is SquareNode old)
        {
            _threshold = old._threshold;
        }
    }

    protected override void BeginBlock(in ProcessContext context, Span<float> residual)
    {
        uint threshold = Threshold(context.Parameters[PulseWidthParameter]);
        if (threshold != _threshold)
        {
            // A new width can move the edge past the current phase: the naive value flips without a
            // crossing, so that flip gets its own band-limited step at the block's first frame.
            bool wasHigh = Phase < _threshold;
            bool isHigh = Phase < threshold;
            if (wasHigh != isHigh)
            {
                BlepTable.AddStep(residual, 0, 0.0, isHigh ? 2f : -2f);
            }

            _threshold = threshold;
        }
    }

    protected override void Shape(ReadOnlySpan<uint> phases, Span<float> naive) =>
        OscillatorKernels.Shape<SquareShaper>(phases, _threshold, naive);

    protected override void AddCorrections(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual)
    {
        AddSteps(phases, increments, residual, 0, 2f, _threshold, -2f);
    }

    /// <summary>
    /// For a voice bank: the pulse width threshold, and true when <paramref name="parameters"/> keep it (a new width is
    /// left to <see cref="BandLimitedOscillatorNode.Process"/>, which may add a step for it). Audio thread only.
    /// </summary>
    internal bool KeepsThreshold(ReadOnlySpan<float> parameters, out uint threshold)
    {
        threshold = _threshold;
        return Threshold(parameters[PulseWidthParameter]) == _threshold;
    }

    private static uint Threshold(float pulseWidth) =>
        (uint)(Math.Clamp(pulseWidth, 0.01f, 0.99f) * 4294967296.0);
}
