using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Nodes;

/// <summary>A band-limited rising saw, -1 to +1 (parameters freqHz, level). Starts at 0, mid-ramp.</summary>
public sealed class SawNode : BandLimitedOscillatorNode
{
    protected override uint InitialPhase => 0x80000000u;

    protected override void Shape(ReadOnlySpan<uint> phases, Span<float> naive) =>
        OscillatorKernels.Shape<SawShaper>(phases, 0, naive);

    protected override void AddCorrections(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual) =>
        AddSteps(phases, increments, residual, 0, -2f);
}
