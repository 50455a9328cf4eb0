using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// A band-limited rising saw, -1 to +1 (parameters freqHz, level, phase). A fresh saw starts <c>phase</c> periods
/// after its rising zero crossing (by default at 0, mid-ramp); a replaced one keeps its running phase.
/// </summary>
public sealed class SawNode : BandLimitedOscillatorNode
{
    private uint _initialPhase = 0x80000000u;

    protected override uint InitialPhase => _initialPhase;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _initialPhase = 0x80000000u + (parameters.Length > 2 ? StartOffset(parameters[2]) : 0u);
        base.Prepare(context, previous);
    }

    protected override void Shape(ReadOnlySpan<uint> phases, Span<float> naive) =>
        OscillatorKernels.Shape<SawShaper>(phases, 0, naive);

    protected override void AddCorrections(ReadOnlySpan<uint> phases, ReadOnlySpan<uint> increments, Span<float> residual) =>
        AddSteps(phases, increments, residual, 0, -2f);

    /// <summary>A start phase in periods (its fraction counts) as a 32-bit phase offset.</summary>
    private static uint StartOffset(float periods)
    {
        double fraction = periods - Math.Floor(periods);
        return (uint)(ulong)Math.Round(fraction * 4294967296.0);
    }
}
