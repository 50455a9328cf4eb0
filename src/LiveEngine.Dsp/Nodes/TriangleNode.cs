using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// A band-limited triangle, -1 to +1 (parameters freqHz, level): the naive triangle with a BLAMP residual at
/// each corner. Starts at 0, falling.
/// </summary>
public sealed class TriangleNode : BandLimitedOscillatorNode
{
    protected override uint InitialPhase => 0x40000000u;

    protected override void Shape(ReadOnlySpan<uint> phases, Span<float> naive) =>
        OscillatorKernels.Shape<TriangleShaper>(phases, 0, naive);

    protected override void AddCorrections(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual)
    {
        // The slope is +4 per period before phase 0 and -4 after it; the reverse at half a period.
        AddCorners(phases, increments, residual, 0, -8f, 0x80000000u, 8f);
    }
}
